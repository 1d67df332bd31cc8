// Task values per mask over a range of a task's items (JOB_KIND_TASK_SHARD, and JOB_KIND_COALITIONS
// with VALUE_KIND_TASK): one MaskValue per mask carrying TaskSums, with sum/count = correct/items
// (perplexity: NLL sum/tokens). Adds to unit_forwards (items x kept units) and tokens.
#ifndef DEPTHLAB_WORKER_RUNNER_TASK_JOBS_H_
#define DEPTHLAB_WORKER_RUNNER_TASK_JOBS_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "depthlab/v1/types.pb.h"
#include "worker/runner/masks.h"
#include "worker/runner/task_evaluator.h"

namespace depthlab::worker::runner {

// Items [shard.first_item, shard.first_item + shard.num_items) of `task` for each mask, in chunks
// of task.chunk_items() with a `should_stop` check before each (Cancelled once it is true).
// InvalidArgument for negative shard fields.
absl::Status TaskValues(const TaskEvaluator& task, const v1::TaskShard& shard,
                        const std::vector<NamedMask>& masks,
                        const std::function<bool()>& should_stop, v1::JobResult* result);

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_TASK_JOBS_H_
