// The five downstream evaluations of METHODS.md §7 over a benchmark directory in the bundled
// layout (mmlu/, arc/test.jsonl, boolq/test.jsonl, gsm8k/{train,test}.jsonl,
// calibration/test.jsonl), created once and evaluated under any number of unit masks. Torch-free.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto suite, TaskSuite::Create(engine.get(), {.data_dir = "data"}));
//   DEPTHLAB_ASSIGN_OR_RETURN(SuiteResult r, suite->Evaluate(mask, {}));
#ifndef DEPTHLAB_WORKER_ENGINE_TASKS_SUITE_H_
#define DEPTHLAB_WORKER_ENGINE_TASKS_SUITE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "worker/engine/engine.h"
#include "worker/engine/tasks/evaluators.h"

namespace depthlab::engine::tasks {

struct SuiteOptions {
  std::string data_dir = "data";
  int limit = 0;        // items per task (MMLU: per subject), 0 = all
  int gsm8k_limit = 0;  // GSM8K items (generation is the slow part), 0 = all
  int gsm8k_max_new_tokens = 256;
  int perplexity_seq_len = 128;
  double held_out_fraction = 0.5;  // of calibration/test.jsonl; the rest feeds statistics
  uint64_t seed = 0;
};

struct SuiteResult {
  MmluResult mmlu;
  ArcResult arc;
  BoolqResult boolq;
  Gsm8kResult gsm8k;
  PerplexityResult perplexity;
  double seconds = 0;
};

// Thread-compatible; keeps `engine` (not owned), which must outlive it.
class TaskSuite {
 public:
  static absl::StatusOr<std::unique_ptr<TaskSuite>> Create(const Engine* engine,
                                                           const SuiteOptions& options);
  absl::StatusOr<SuiteResult> Evaluate(const UnitMask& mask,
                                       const Replacements& replacements) const;
  // The calibration split of calibration/test.jsonl (disjoint from the perplexity held-out split),
  // for the statistics pass.
  const TokenSequences& calibration() const { return perplexity_->calibration(); }

 private:
  TaskSuite() = default;
  std::unique_ptr<MmluEvaluator> mmlu_;
  std::unique_ptr<ArcEvaluator> arc_;
  std::unique_ptr<BoolqEvaluator> boolq_;
  std::unique_ptr<Gsm8kEvaluator> gsm8k_;
  std::unique_ptr<PerplexityEvaluator> perplexity_;
};

}  // namespace depthlab::engine::tasks

#endif  // DEPTHLAB_WORKER_ENGINE_TASKS_SUITE_H_
