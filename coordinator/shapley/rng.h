// A small seeded random generator (xoshiro256** seeded by SplitMix64) whose output is the same on
// every platform and standard library, so an estimator's proposals depend only on its seed and the
// values it observed. (std::uniform_int_distribution and std::shuffle are implementation-defined.)
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_RNG_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_RNG_H_

#include <cstdint>
#include <vector>

namespace depthlab::shapley {

// Not thread-safe; one per estimator (or per bootstrap).
class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t Next();
  // Uniform on [0, n), unbiased. REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n);
  // Uniform on [0, 1) with 53 random bits.
  double UniformDouble();
  // Index i with probability weights[i] / sum(weights). REQUIRES: weights >= 0, sum > 0.
  int Discrete(const std::vector<double>& weights);
  // A uniformly random permutation of 0..n-1.
  std::vector<int> Permutation(int n);
  // A uniformly random k-subset of `items` (order unspecified). REQUIRES: k <= items.size().
  std::vector<int> Subset(std::vector<int> items, int k);

 private:
  uint64_t s_[4];
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_RNG_H_
