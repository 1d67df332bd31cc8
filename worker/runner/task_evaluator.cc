#include "worker/runner/task_evaluator.h"

#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::worker::runner {
namespace {

namespace tasks = engine::tasks;

// Items per Sums call: a batch of multiple-choice questions, a few GSM8K generations.
constexpr int kChoiceChunk = 16;
constexpr int kGsm8kChunk = 2;
constexpr int kPerplexityChunk = 8;

template <typename Evaluator>
class Adapter : public TaskEvaluator {
 public:
  Adapter(std::unique_ptr<Evaluator> evaluator, int chunk)
      : evaluator_(std::move(evaluator)), chunk_(chunk) {}

  int64_t num_items() const override { return evaluator_->num_items(); }
  absl::StatusOr<tasks::TaskSums> Sums(const tasks::ItemRange& range,
                                       const engine::UnitMask& mask) const override {
    return evaluator_->Sums(range, mask, /*replacements=*/{});
  }
  int chunk_items() const override { return chunk_; }

 private:
  std::unique_ptr<Evaluator> evaluator_;
  int chunk_;
};

template <typename Evaluator>
absl::StatusOr<std::unique_ptr<TaskEvaluator>> Wrap(
    absl::StatusOr<std::unique_ptr<Evaluator>> evaluator, int chunk) {
  DEPTHLAB_RETURN_IF_ERROR(evaluator.status());
  return std::unique_ptr<TaskEvaluator>(
      std::make_unique<Adapter<Evaluator>>(std::move(*evaluator), chunk));
}

std::string DefaultShotsPath(const std::string& path) {
  return (std::filesystem::path(path).parent_path() / "train.jsonl").string();
}

absl::StatusOr<std::unique_ptr<TaskEvaluator>> CreateGsm8k(const engine::Engine* engine,
                                                           const v1::TaskSpec& task) {
  tasks::Gsm8kOptions options;
  options.path = task.path();
  options.shots_path =
      task.shots_path().empty() ? DefaultShotsPath(task.path()) : task.shots_path();
  options.max_new_tokens = task.max_new_tokens() > 0 ? task.max_new_tokens() : 256;
  options.limit = task.limit();
  options.skip_bad_rows = task.skip_bad_rows();
  return Wrap(tasks::Gsm8kEvaluator::Create(engine, options), kGsm8kChunk);
}

absl::StatusOr<std::unique_ptr<TaskEvaluator>> CreatePerplexity(const engine::Engine* engine,
                                                                const v1::TaskSpec& task,
                                                                const CalibrationParams& split) {
  tasks::PerplexityOptions options;
  options.path = task.path();
  options.seq_len = split.seq_len;
  options.held_out_fraction = split.held_out_fraction;
  options.seed = split.seed;
  options.limit = task.limit();
  return Wrap(tasks::PerplexityEvaluator::Create(engine, options), kPerplexityChunk);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskEvaluator>> CreateTaskEvaluator(const engine::Engine* engine,
                                                                   const v1::TaskSpec& task,
                                                                   const CalibrationParams& split) {
  if (task.path().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("task.path: empty (",
                                                   v1::TaskKind_Name(task.kind()),
                                                   " needs its data file or directory)"));
  }
  if (task.limit() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("task.limit: ", task.limit(), " must be >= 0 (0 = all)"));
  }
  tasks::ChoiceTaskOptions choice;
  choice.path = task.path();
  choice.limit = task.limit();
  choice.skip_bad_rows = task.skip_bad_rows();
  switch (task.kind()) {
    case v1::TASK_KIND_MMLU: {
      tasks::MmluOptions options;
      options.dir = task.path();
      options.limit = task.limit();
      options.skip_bad_rows = task.skip_bad_rows();
      return Wrap(tasks::MmluEvaluator::Create(engine, options), kChoiceChunk);
    }
    case v1::TASK_KIND_ARC:
      return Wrap(tasks::ArcEvaluator::Create(engine, choice), kChoiceChunk);
    case v1::TASK_KIND_BOOLQ:
      return Wrap(tasks::BoolqEvaluator::Create(engine, choice), kChoiceChunk);
    case v1::TASK_KIND_GSM8K:
      return CreateGsm8k(engine, task);
    case v1::TASK_KIND_PERPLEXITY:
      return CreatePerplexity(engine, task, split);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("task.kind: ", v1::TaskKind_Name(task.kind()),
                       " is not a task (expected MMLU, ARC, BOOLQ, GSM8K or PERPLEXITY)"));
  }
}

}  // namespace depthlab::worker::runner
