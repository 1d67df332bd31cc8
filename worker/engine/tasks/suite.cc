#include "worker/engine/tasks/suite.h"

#include <chrono>

#include "common/status_macros.h"

namespace depthlab::engine::tasks {

absl::StatusOr<std::unique_ptr<TaskSuite>> TaskSuite::Create(const Engine* engine,
                                                             const SuiteOptions& o) {
  std::unique_ptr<TaskSuite> suite(new TaskSuite());
  const std::string& d = o.data_dir;
  MmluOptions mmlu;
  mmlu.dir = d + "/mmlu";
  mmlu.limit = o.limit;
  DEPTHLAB_ASSIGN_OR_RETURN(suite->mmlu_, MmluEvaluator::Create(engine, mmlu));
  ChoiceTaskOptions arc;
  arc.path = d + "/arc/test.jsonl";
  arc.limit = o.limit;
  DEPTHLAB_ASSIGN_OR_RETURN(suite->arc_, ArcEvaluator::Create(engine, arc));
  ChoiceTaskOptions boolq = arc;
  boolq.path = d + "/boolq/test.jsonl";
  DEPTHLAB_ASSIGN_OR_RETURN(suite->boolq_, BoolqEvaluator::Create(engine, boolq));
  Gsm8kOptions gsm8k;
  gsm8k.path = d + "/gsm8k/test.jsonl";
  gsm8k.shots_path = d + "/gsm8k/train.jsonl";
  gsm8k.limit = o.gsm8k_limit;
  gsm8k.max_new_tokens = o.gsm8k_max_new_tokens;
  DEPTHLAB_ASSIGN_OR_RETURN(suite->gsm8k_, Gsm8kEvaluator::Create(engine, gsm8k));
  PerplexityOptions ppl;
  ppl.path = d + "/calibration/test.jsonl";
  ppl.seq_len = o.perplexity_seq_len;
  ppl.held_out_fraction = o.held_out_fraction;
  ppl.seed = o.seed;
  DEPTHLAB_ASSIGN_OR_RETURN(suite->perplexity_, PerplexityEvaluator::Create(engine, ppl));
  return suite;
}

absl::StatusOr<SuiteResult> TaskSuite::Evaluate(const UnitMask& mask,
                                                const Replacements& replacements) const {
  const auto start = std::chrono::steady_clock::now();
  SuiteResult r;
  DEPTHLAB_ASSIGN_OR_RETURN(r.mmlu, mmlu_->Evaluate(mask, replacements));
  DEPTHLAB_ASSIGN_OR_RETURN(r.arc, arc_->Evaluate(mask, replacements));
  DEPTHLAB_ASSIGN_OR_RETURN(r.boolq, boolq_->Evaluate(mask, replacements));
  DEPTHLAB_ASSIGN_OR_RETURN(r.gsm8k, gsm8k_->Evaluate(mask, replacements));
  DEPTHLAB_ASSIGN_OR_RETURN(r.perplexity, perplexity_->Evaluate(mask, replacements));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace depthlab::engine::tasks
