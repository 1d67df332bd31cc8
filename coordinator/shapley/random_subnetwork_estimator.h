// `paper_random_subnetworks`: the paper's sampled influence. Draws uniform coalitions of a fixed
// size k (subnetwork_fraction of n) and reports, per player, the mean value of the sampled
// coalitions that contain it minus the mean of those that do not (a Banzhaf-like contrast, not
// the Shapley value: for an additive game it is (n w_i - sum w) / (n - 1)). The standard error
// combines the two sample variances: sqrt(var_in / n_in + var_out / n_out). The first round also
// values v(all) and v(none) for the efficiency check; each round draws batch_size coalitions.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_RANDOM_SUBNETWORK_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_RANDOM_SUBNETWORK_ESTIMATOR_H_

#include <cstddef>
#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/rng.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator.
class RandomSubnetworkEstimator : public Estimator {
 public:
  explicit RandomSubnetworkEstimator(const EstimatorOptions& options);

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override;
  Estimates Estimate() const override;
  std::vector<std::vector<double>> Bootstrap(Rng& rng, int count) const override;
  double PossibleCoalitions() const override;  // C(n, k) + 2

 private:
  struct Sums {  // of shifted values
    int64_t count = 0;
    double sum = 0;
    double squares = 0;
    void Add(double x) {
      ++count;
      sum += x;
      squares += x * x;
    }
    Sums Minus(const Sums& o) const { return {count - o.count, sum - o.sum, squares - o.squares}; }
    double Mean() const;             // 0 if empty
    double SquaredStdError() const;  // of the mean; +infinity with fewer than two
  };

  // The fewest sampled coalitions with, or without, any one player.
  int64_t FewestOnOneSide() const;
  // The estimate from the sampled coalitions with the given indices (repeats allowed).
  Estimates EstimateFrom(const std::vector<size_t>& indices) const;

  const int size_;  // k
  Rng rng_;
  bool first_round_ = true;
  std::vector<Coalition> pending_;
  std::vector<std::vector<int>> members_;  // every sampled coalition's members, in draw order
  std::vector<double> sampled_values_;
  std::vector<int64_t> with_player_;  // [i]: sampled coalitions containing i
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_RANDOM_SUBNETWORK_ESTIMATOR_H_
