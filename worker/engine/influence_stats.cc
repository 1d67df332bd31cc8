#include "worker/engine/influence_stats.h"

#include "absl/strings/str_cat.h"

namespace depthlab::engine {

std::vector<double> UnitStatsSums::mean_update() const {
  std::vector<double> mean(update_sum.size(), 0.0);
  if (tokens == 0) return mean;
  for (size_t i = 0; i < mean.size(); ++i) mean[i] = update_sum[i] / static_cast<double>(tokens);
  return mean;
}

absl::Status UnitStatsSums::Merge(const UnitStatsSums& other) {
  if (other.update_sum.size() != update_sum.size()) {
    return absl::InvalidArgumentError(absl::StrCat("statistics: cannot merge hidden size ",
                                                   other.update_sum.size(), " into ",
                                                   update_sum.size()));
  }
  cosine_sum += other.cosine_sum;
  rel_l1_sum += other.rel_l1_sum;
  rel_l2_sum += other.rel_l2_sum;
  tokens += other.tokens;
  for (size_t i = 0; i < update_sum.size(); ++i) update_sum[i] += other.update_sum[i];
  return absl::OkStatus();
}

InfluenceStatistics InfluenceStatistics::Empty(int num_layers, int hidden_size) {
  InfluenceStatistics stats;
  UnitStatsSums zero;
  zero.update_sum.assign(static_cast<size_t>(hidden_size), 0.0);
  stats.sublayers.assign(2 * static_cast<size_t>(num_layers), zero);
  stats.blocks.assign(static_cast<size_t>(num_layers), zero);
  return stats;
}

absl::Status InfluenceStatistics::Merge(const InfluenceStatistics& other) {
  if (other.sublayers.size() != sublayers.size() || other.blocks.size() != blocks.size()) {
    return absl::InvalidArgumentError("statistics: cannot merge passes over different models");
  }
  for (size_t i = 0; i < sublayers.size(); ++i) {
    if (absl::Status s = sublayers[i].Merge(other.sublayers[i]); !s.ok()) return s;
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (absl::Status s = blocks[i].Merge(other.blocks[i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace depthlab::engine
