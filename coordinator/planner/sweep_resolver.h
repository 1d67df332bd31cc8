// Validates a SweepSpec against the files it names and resolves it: defaults filled in, the model's
// layer count read from its config.json, task files parsed and counted, and content hashes computed
// for the model and every dataset (the identities in evaluation keys). Pure: reads files, no RPC,
// no store. Every error is InvalidArgument naming the field, e.g.
//   `tasks[1].path: /data/arc.jsonl:7: ...` or `shard_size: must be >= 0 (got -1)`.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(ResolvedSweep sweep, ResolveSweep(request.spec()));
#ifndef DEPTHLAB_COORDINATOR_PLANNER_SWEEP_RESOLVER_H_
#define DEPTHLAB_COORDINATOR_PLANNER_SWEEP_RESOLVER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::planner {

inline constexpr int kDefaultShardSize = 64;
inline constexpr int kDefaultSeqLen = 128;
inline constexpr int kDefaultCalibrationSequences = 64;
inline constexpr double kDefaultHeldOutFraction = 0.5;
inline constexpr int kDefaultPerplexitySequences = 64;
inline constexpr int kDefaultGsm8kTokens = 256;
inline constexpr int kDefaultShapleyBudget = 2000;

struct ResolvedTask {
  depthlab::v1::TaskSpec spec;  // defaults filled in
  std::string dataset_hash;     // file contents and every option that changes results
  int num_items = 0;            // items evaluated (after `limit`); perplexity: planned sequences
};

struct ResolvedSweep {
  depthlab::v1::SweepSpec spec;  // defaults filled in
  std::string model_hash;
  std::string model_type;
  int num_layers = 0;
  int num_players = 0;                       // units at spec.granularity
  std::string calibration_hash;              // calibration file and split options
  std::vector<ResolvedTask> tasks;           // parallel to spec.tasks
  std::optional<ResolvedTask> shapley_task;  // METRIC_TASK_SHAPLEY only
};

absl::StatusOr<ResolvedSweep> ResolveSweep(const depthlab::v1::SweepSpec& spec);

// Players at a granularity for a model of `num_layers` layers.
int NumPlayers(depthlab::v1::Granularity granularity, int num_layers);

}  // namespace depthlab::planner

#endif  // DEPTHLAB_COORDINATOR_PLANNER_SWEEP_RESOLVER_H_
