// Per-unit influence statistics (METHODS.md §2), accumulated as fp64 sums and token counts so that
// shards combine exactly: cosine distance 1 - cos(x, y), relative L1 |y-x|_1/|x|_1, relative L2,
// and the mean update E[y - x], for each sub-layer unit and each block. Torch-free value types.
#ifndef DEPTHLAB_WORKER_ENGINE_INFLUENCE_STATS_H_
#define DEPTHLAB_WORKER_ENGINE_INFLUENCE_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace depthlab::engine {

// Sums over the tokens one unit (or block) saw. Thread-compatible value type.
struct UnitStatsSums {
  double cosine_sum = 0;  // sum over tokens of 1 - cos(x, y)
  double rel_l1_sum = 0;  // sum over tokens of |y - x|_1 / |x|_1
  double rel_l2_sum = 0;  // sum over tokens of |y - x|_2 / |x|_2
  int64_t tokens = 0;
  std::vector<double> update_sum;  // [hidden]: sum over tokens of y - x

  double cosine() const { return tokens ? cosine_sum / tokens : 0; }
  double relative_l1() const { return tokens ? rel_l1_sum / tokens : 0; }
  double relative_l2() const { return tokens ? rel_l2_sum / tokens : 0; }
  std::vector<double> mean_update() const;
  // Adds another shard's sums. InvalidArgument if the hidden sizes differ.
  absl::Status Merge(const UnitStatsSums& other);
};

// Statistics of one pass: `sublayers` in flat unit order (2i attention, 2i+1 MLP) and `blocks`
// per layer (x = block input, y = block output). Removed units have tokens == 0; a block counts
// only when both its units are kept.
struct InfluenceStatistics {
  std::vector<UnitStatsSums> sublayers;
  std::vector<UnitStatsSums> blocks;

  static InfluenceStatistics Empty(int num_layers, int hidden_size);
  absl::Status Merge(const InfluenceStatistics& other);
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_INFLUENCE_STATS_H_
