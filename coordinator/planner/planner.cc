#include "coordinator/planner/planner.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/hashing.h"

namespace depthlab::planner {

namespace v1 = ::depthlab::v1;

std::vector<std::string> PlayerNames(v1::Granularity granularity, int num_layers) {
  std::vector<std::string> names;
  for (int i = 0; i < num_layers; ++i) {
    switch (granularity) {
      case v1::GRANULARITY_ATTENTION:
        names.push_back(absl::StrCat("attn:", i));
        break;
      case v1::GRANULARITY_MLP:
        names.push_back(absl::StrCat("mlp:", i));
        break;
      case v1::GRANULARITY_SUBLAYER:
        names.push_back(absl::StrCat("attn:", i));
        names.push_back(absl::StrCat("mlp:", i));
        break;
      default:
        names.push_back(absl::StrCat("block:", i));
    }
  }
  return names;
}

std::string UnitMask(const shapley::Coalition& kept, v1::Granularity granularity, int num_layers) {
  std::string mask(2 * num_layers, '1');
  for (int p = 0; p < kept.num_players(); ++p) {
    if (kept.Contains(p)) continue;
    switch (granularity) {
      case v1::GRANULARITY_ATTENTION:
        mask[2 * p] = '0';
        break;
      case v1::GRANULARITY_MLP:
        mask[2 * p + 1] = '0';
        break;
      case v1::GRANULARITY_SUBLAYER:
        mask[p] = '0';
        break;
      default:
        mask[2 * p] = mask[2 * p + 1] = '0';
    }
  }
  return mask;
}

std::vector<Shard> Shards(int total, int size) {
  std::vector<Shard> shards;
  for (int first = 0; first < total; first += size) {
    shards.push_back({first, std::min(size, total - first)});
  }
  return shards;
}

std::string EvaluationKey(const std::string& model_hash, const std::string& dataset_hash,
                          const Shard& shard, const std::string& mask, v1::ValueKind value_kind) {
  ContentHasher h;
  for (const std::string& part :
       {std::string(kCodeVersion), model_hash, dataset_hash,
        absl::StrCat(shard.first, "+", shard.count), mask, std::string("replacement:none"),
        v1::ValueKind_Name(value_kind)}) {
    h.Update(part);
  }
  return h.HexDigest();
}

std::vector<int> RemovalOrder(const std::vector<double>& influence) {
  std::vector<int> order(influence.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return influence[a] < influence[b]; });
  return order;
}

shapley::Coalition WithoutFirst(const std::vector<int>& order, int k, int num_players) {
  shapley::Coalition kept = shapley::Coalition::Full(num_players);
  for (int i = 0; i < k; ++i) kept = kept.Without(order[i]);
  return kept;
}

}  // namespace depthlab::planner
