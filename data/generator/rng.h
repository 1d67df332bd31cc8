// Deterministic pseudo-random numbers for the data generator. The same seed and stream name give
// the same numbers on every platform and standard library (std::uniform_int_distribution and
// std::shuffle are implementation-defined, so they are not used).
//
//   Rng rng(seed, "arc");
//   int k = rng.Uniform(4);          // 0..3
//   rng.Shuffle(items);
#ifndef DEPTHLAB_DATA_GENERATOR_RNG_H_
#define DEPTHLAB_DATA_GENERATOR_RNG_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace depthlab::datagen {

// xoshiro256** seeded through SplitMix64. Not thread-safe.
class Rng {
 public:
  // `stream` names an independent stream under one seed (one per task), so a change to how one
  // task draws numbers leaves the other tasks' data unchanged.
  Rng(uint64_t seed, absl::string_view stream);

  uint64_t Next();
  // Uniform in [0, n). REQUIRES: n > 0.
  int Uniform(int n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int Range(int lo, int hi) { return lo + Uniform(hi - lo + 1); }
  // True with probability p.
  bool Chance(double p);
  // k distinct values of [0, n) in random order. REQUIRES: 0 <= k <= n.
  std::vector<int> Sample(int n, int k);

  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[Uniform(static_cast<int>(values.size()))];
  }

  // Fisher-Yates.
  template <typename T>
  void Shuffle(std::vector<T>& values) {
    for (int i = static_cast<int>(values.size()) - 1; i > 0; --i) {
      std::swap(values[i], values[Uniform(i + 1)]);
    }
  }

 private:
  uint64_t state_[4];
};

}  // namespace depthlab::datagen

#endif  // DEPTHLAB_DATA_GENERATOR_RNG_H_
