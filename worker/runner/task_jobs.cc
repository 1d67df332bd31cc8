#include "worker/runner/task_jobs.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::worker::runner {
namespace {

using engine::tasks::ItemRange;
using engine::tasks::TaskSums;

void Add(const TaskSums& part, TaskSums* total) {
  total->items += part.items;
  total->correct += part.correct;
  total->correct_alt += part.correct_alt;
  total->gold_logprob_sum += part.gold_logprob_sum;
  total->nll_sum += part.nll_sum;
  total->tokens += part.tokens;
  total->sequence_perplexity_sum += part.sequence_perplexity_sum;
  total->sequences += part.sequences;
  total->input_tokens += part.input_tokens;
}

void ToProto(const TaskSums& sums, const std::string& bits, v1::MaskValue* value) {
  value->set_mask(bits);
  v1::TaskSums* task = value->mutable_task();
  task->set_correct(static_cast<double>(sums.correct));
  task->set_correct_alt(static_cast<double>(sums.correct_alt));
  task->set_items(sums.items);
  task->set_nll_sum(sums.nll_sum);
  task->set_tokens(sums.tokens);
  task->set_sequence_perplexity_sum(sums.sequence_perplexity_sum);
  task->set_sequences(sums.sequences);
  const bool perplexity = sums.sequences > 0;
  value->set_sum(perplexity ? sums.nll_sum : static_cast<double>(sums.correct));
  value->set_count(perplexity ? sums.tokens : sums.items);
}

// The sums of items [begin, end) under `mask`, a chunk at a time.
absl::StatusOr<TaskSums> RangeSums(const TaskEvaluator& task, int64_t begin, int64_t end,
                                   const engine::UnitMask& mask,
                                   const std::function<bool()>& should_stop) {
  TaskSums total;
  const int64_t chunk = std::max(1, task.chunk_items());
  for (int64_t first = begin; first < end; first += chunk) {
    if (should_stop()) return absl::CancelledError("job stopped before it finished");
    DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums part,
                              task.Sums(ItemRange{first, std::min(chunk, end - first)}, mask));
    Add(part, &total);
  }
  return total;
}

}  // namespace

absl::Status TaskValues(const TaskEvaluator& task, const v1::TaskShard& shard,
                        const std::vector<NamedMask>& masks,
                        const std::function<bool()>& should_stop, v1::JobResult* result) {
  if (shard.first_item() < 0 || shard.num_items() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("task shard: first_item (", shard.first_item(),
                                                   ") and num_items (", shard.num_items(),
                                                   ") must be >= 0"));
  }
  const int64_t begin = std::min<int64_t>(shard.first_item(), task.num_items());
  const int64_t end = std::min<int64_t>(begin + shard.num_items(), task.num_items());
  for (const NamedMask& m : masks) {
    if (should_stop()) return absl::CancelledError("job stopped before it finished");
    DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums sums,
                              RangeSums(task, begin, end, m.mask, should_stop));
    ToProto(sums, m.bits, result->add_values());
    result->set_unit_forwards(result->unit_forwards() + sums.items * KeptUnits(m.mask));
    result->set_tokens(result->tokens() + sums.input_tokens);
  }
  return absl::OkStatus();
}

}  // namespace depthlab::worker::runner
