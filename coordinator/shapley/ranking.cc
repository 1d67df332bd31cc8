#include "coordinator/shapley/ranking.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace depthlab::shapley {
namespace {

// 1-based nearest-rank percentile of sorted `v`.
int Percentile(const std::vector<int>& sorted, double p) {
  const double position = std::ceil(p * static_cast<double>(sorted.size()));
  const size_t index = static_cast<size_t>(std::max(1.0, position)) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

int Sign(double x) { return (x > 0) - (x < 0); }

}  // namespace

std::vector<int> Ranks(const std::vector<double>& values) {
  std::vector<int> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return values[a] > values[b]; });
  std::vector<int> ranks(values.size());
  for (size_t r = 0; r < order.size(); ++r) ranks[order[r]] = static_cast<int>(r) + 1;
  return ranks;
}

std::vector<RankInterval> BootstrapRankIntervals(
    const std::vector<double>& point, const std::vector<std::vector<double>>& replicates) {
  const std::vector<int> point_ranks = Ranks(point);
  std::vector<std::vector<int>> ranks(point.size());
  for (const std::vector<double>& replicate : replicates) {
    const std::vector<int> r = Ranks(replicate);
    for (size_t i = 0; i < point.size(); ++i) ranks[i].push_back(r[i]);
  }
  std::vector<RankInterval> intervals(point.size());
  for (size_t i = 0; i < point.size(); ++i) {
    intervals[i] = {point_ranks[i], point_ranks[i]};
    if (ranks[i].empty()) continue;
    std::sort(ranks[i].begin(), ranks[i].end());
    intervals[i].low = std::min(point_ranks[i], Percentile(ranks[i], 0.025));
    intervals[i].high = std::max(point_ranks[i], Percentile(ranks[i], 0.975));
  }
  return intervals;
}

absl::StatusOr<double> KendallTau(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("KendallTau: needs two vectors of the same length >= 2; got ", a.size(),
                     " and ", b.size()));
  }
  double concordant_minus_discordant = 0;
  double pairs_untied_a = 0;
  double pairs_untied_b = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = i + 1; j < a.size(); ++j) {
      const int sa = Sign(a[i] - a[j]);
      const int sb = Sign(b[i] - b[j]);
      concordant_minus_discordant += sa * sb;
      pairs_untied_a += sa != 0;
      pairs_untied_b += sb != 0;
    }
  }
  if (pairs_untied_a == 0 || pairs_untied_b == 0) {
    return absl::InvalidArgumentError("KendallTau: undefined for a constant vector");
  }
  return concordant_minus_discordant / std::sqrt(pairs_untied_a * pairs_untied_b);
}

}  // namespace depthlab::shapley
