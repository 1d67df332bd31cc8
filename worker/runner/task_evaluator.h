// A downstream task of a TaskSpec (proto/depthlab/v1/types.proto) behind one interface: additive
// sums over a range of its items under any mask, from the engine's task evaluators
// (worker/engine/tasks/evaluators.h). Files are read and prompts tokenised once, at creation.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto task, CreateTaskEvaluator(engine, spec, perplexity_split));
//   DEPTHLAB_ASSIGN_OR_RETURN(TaskSums sums, task->Sums({.first_item = 64, .num_items = 64},
//   mask));
#ifndef DEPTHLAB_WORKER_RUNNER_TASK_EVALUATOR_H_
#define DEPTHLAB_WORKER_RUNNER_TASK_EVALUATOR_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "depthlab/v1/types.pb.h"
#include "worker/engine/engine.h"
#include "worker/engine/tasks/evaluators.h"
#include "worker/runner/calibration_data.h"

namespace depthlab::worker::runner {

// Thread-compatible; keeps the engine it was created with (not owned), which must outlive it.
class TaskEvaluator {
 public:
  virtual ~TaskEvaluator() = default;

  // Items after TaskSpec.limit (MMLU: subjects sorted by name, questions in file order;
  // perplexity: held-out sequences).
  virtual int64_t num_items() const = 0;
  // Sums over `range`; sums over disjoint ranges add up exactly to those over their union.
  virtual absl::StatusOr<engine::tasks::TaskSums> Sums(const engine::tasks::ItemRange& range,
                                                       const engine::UnitMask& mask) const = 0;
  // Items per Sums call between cancellation checks (a few seconds of work at most).
  virtual int chunk_items() const = 0;
};

// The evaluator for `task`: MMLU (5-shot from dev), ARC, BoolQ, GSM8K (5 shots from shots_path,
// default train.jsonl beside path; max_new_tokens 0 -> 256) or perplexity over the held-out split
// of `perplexity_split` (a calibration split of task.path). InvalidArgument for an unspecified
// kind or empty path; otherwise the readers' errors (NotFound for a missing file).
absl::StatusOr<std::unique_ptr<TaskEvaluator>> CreateTaskEvaluator(
    const engine::Engine* engine, const v1::TaskSpec& task,
    const CalibrationParams& perplexity_split);

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_TASK_EVALUATOR_H_
