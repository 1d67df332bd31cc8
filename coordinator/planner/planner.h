// The pure arithmetic of planning a sweep (ARCHITECTURE.md "Life of a sweep"): players and their
// unit masks, shards, evaluation keys, removal orders and the masks of a pruning curve. No I/O.
//
//   std::string mask = UnitMask(Coalition::Full(8).Without(3), GRANULARITY_BLOCK, 8);
//   // "1111110111111111": attn[3] and mlp[3] removed, in the paper's flat order
#ifndef DEPTHLAB_COORDINATOR_PLANNER_PLANNER_H_
#define DEPTHLAB_COORDINATOR_PLANNER_PLANNER_H_

#include <string>
#include <vector>

#include "coordinator/shapley/coalition.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::planner {

// Bumped when a worker-side change alters any evaluation result; part of every evaluation key.
inline constexpr char kCodeVersion[] = "depthlab-eval-1";

// "block:3", "attn:3", "mlp:3"; sub-layer players in flat order attn:0, mlp:0, attn:1, ...
std::vector<std::string> PlayerNames(depthlab::v1::Granularity granularity, int num_layers);

// The engine's mask over 2L units (flat order 2i = attn[i], 2i+1 = mlp[i]; '1' kept) for a
// coalition of kept players. Units that are not players (the MLPs at ATTENTION granularity) stay.
std::string UnitMask(const shapley::Coalition& kept, depthlab::v1::Granularity granularity,
                     int num_layers);

struct Shard {
  int first = 0;
  int count = 0;
};
// [0, total) cut into consecutive shards of at most `size` (REQUIRES size > 0).
std::vector<Shard> Shards(int total, int size);

// The evaluation cache key (ARCHITECTURE.md): model, dataset and shard, mask, replacement, value
// kind and code version, hashed.
std::string EvaluationKey(const std::string& model_hash, const std::string& dataset_hash,
                          const Shard& shard, const std::string& mask,
                          depthlab::v1::ValueKind value_kind);

// Players ordered for removal: lowest influence first, ties by player index.
std::vector<int> RemovalOrder(const std::vector<double>& influence);

// The kept-player coalition with the first k players of `order` removed.
shapley::Coalition WithoutFirst(const std::vector<int>& order, int k, int num_players);

}  // namespace depthlab::planner

#endif  // DEPTHLAB_COORDINATOR_PLANNER_PLANNER_H_
