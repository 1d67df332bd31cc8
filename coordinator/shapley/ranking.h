// Ranks of player values, bootstrap rank intervals, and Kendall's tau between two value vectors
// (used to compare estimators and metrics).
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_RANKING_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_RANKING_H_

#include <vector>

#include "absl/status/statusor.h"

namespace depthlab::shapley {

// Rank of each value: 1 = highest; equal values are ranked by ascending index.
std::vector<int> Ranks(const std::vector<double>& values);

struct RankInterval {
  int low = 0;
  int high = 0;
};

// For each player, the 2.5th and 97.5th percentiles (nearest rank) of its rank over the bootstrap
// `replicates` (each a value vector of the same length as `point`), widened to contain the rank of
// `point`. With no replicates, the point ranks.
std::vector<RankInterval> BootstrapRankIntervals(
    const std::vector<double>& point, const std::vector<std::vector<double>>& replicates);

// Kendall's tau-b (tau-a when there are no ties): +1 same order, -1 reversed. InvalidArgument if
// the sizes differ, there are fewer than two values, or either vector is constant.
absl::StatusOr<double> KendallTau(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_RANKING_H_
