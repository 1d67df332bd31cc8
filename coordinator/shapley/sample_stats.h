// Running mean and variance of a stream of samples (Welford), for per-player and per-stratum
// standard errors.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_SAMPLE_STATS_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_SAMPLE_STATS_H_

#include <cmath>
#include <cstdint>
#include <limits>

namespace depthlab::shapley {

// Value type; thread-compatible.
class SampleStats {
 public:
  void Add(double x) {
    ++count_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (x - mean_);
  }

  int64_t count() const { return count_; }
  double mean() const { return mean_; }
  // Unbiased sample variance; 0 with fewer than two samples.
  double Variance() const { return count_ < 2 ? 0 : m2_ / static_cast<double>(count_ - 1); }
  // Standard error of the mean; +infinity with fewer than two samples.
  double StdErrorOfMean() const {
    if (count_ < 2) return std::numeric_limits<double>::infinity();
    return std::sqrt(Variance() / static_cast<double>(count_));
  }

 private:
  int64_t count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_SAMPLE_STATS_H_
