// Downstream-task evaluators (METHODS.md §7) over the torch-free Engine facade, each under a unit
// mask and replacements. An evaluator reads its files and tokenises its prompts once (Create) and
// then evaluates any number of masks (Evaluate), as pruning curves need. Accuracies come with a
// binomial standard error. For sharded evaluation, Sums evaluates a range of items and returns
// additive sums: an item's arithmetic never depends on which other items share its range or batch,
// so sums over disjoint ranges add up exactly to the sums over their union. The scoring rules are
// free functions, testable on hand-built scores.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto arc, ArcEvaluator::Create(engine.get(), {.path = "arc.jsonl"}));
//   DEPTHLAB_ASSIGN_OR_RETURN(ArcResult r, arc->Evaluate(mask, /*replacements=*/{}));
#ifndef DEPTHLAB_WORKER_ENGINE_TASKS_EVALUATORS_H_
#define DEPTHLAB_WORKER_ENGINE_TASKS_EVALUATORS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/tasks/task_data.h"
#include "worker/engine/engine.h"

namespace depthlab::engine::tasks {

struct AccuracyStat {
  int64_t n = 0;
  int64_t correct = 0;
  double accuracy = 0;        // correct / n (0 when n = 0)
  double standard_error = 0;  // binomial: sqrt(p (1 - p) / n)
  static AccuracyStat FromCounts(int64_t correct, int64_t n);
};

// ---- Scoring rules ----
// Index of the highest log-likelihood; the first one on ties. REQUIRES: !scores.empty().
int ArgMaxLogprob(absl::Span<const ContinuationScore> scores);
// Index of the highest logprob / char_lengths[i] (acc_norm); the first one on ties.
int ArgMaxNormalizedLogprob(absl::Span<const ContinuationScore> scores,
                            absl::Span<const int> char_lengths);
// Unicode code points in UTF-8 `text` (Python's len()).
int Utf8Length(absl::string_view text);
// `text` up to the first occurrence of `stop` (all of it if absent).
std::string TruncateAtStop(absl::string_view text, absl::string_view stop);
// GSM8K strict: the number after the first "####" that has one ("#### -1,234" -> "-1234").
std::optional<std::string> ExtractStrictAnswer(absl::string_view output);
// GSM8K flexible: the last number in `output` (optional '-' and '$', digits with ',' groups, a
// decimal part), normalised by NormalizeGsm8kNumber.
std::optional<std::string> ExtractFlexibleAnswer(absl::string_view output);

// Items [first_item, first_item + num_items) in an evaluator's order (after `limit`; MMLU:
// subjects sorted by name, questions in file order); num_items < 0 = through the last item.
// Positions past the end are absent, so a range may be empty. InvalidArgument if first_item < 0.
struct ItemRange {
  int64_t first_item = 0;
  int64_t num_items = -1;
};

// Additive sums over a range of items (what a worker reports for one task shard).
struct TaskSums {
  int64_t items = 0;
  int64_t correct = 0;                 // MMLU, ARC acc, BoolQ; GSM8K strict
  int64_t correct_alt = 0;             // ARC acc_norm; GSM8K flexible
  double gold_logprob_sum = 0;         // multiple choice: log-likelihood of the correct choices
  double nll_sum = 0;                  // perplexity: summed next-token NLL
  int64_t tokens = 0;                  // perplexity: predicted tokens
  double sequence_perplexity_sum = 0;  // perplexity: sum of exp(sequence mean NLL)
  int64_t sequences = 0;               // perplexity
  // Tokens of the items evaluated, for throughput (prompt and generated tokens; work shared
  // between items, such as a few-shot prefix, is counted for each item).
  int64_t input_tokens = 0;
};

// A tokenised multiple-choice question: one request per choice.
struct ChoiceItem {
  std::vector<ContinuationRequest> requests;
  std::vector<int> char_lengths;  // per choice, for acc_norm (choice text without its space)
  int answer = 0;
  // Items of one prefix_group (>= 0) share their first shared_prefix tokens, which run once per
  // batch (MMLU: a subject's few-shot prefix); -1 = none. Fixed per item, so that its scores do
  // not depend on its batch.
  int prefix_group = -1;
  int shared_prefix = 0;
};
struct ChoiceOutcome {
  int predicted = 0;       // ArgMaxLogprob
  int predicted_norm = 0;  // ArgMaxNormalizedLogprob
  double gold_logprob = 0;
};
ChoiceOutcome ScoreChoice(const ChoiceItem& item, absl::Span<const ContinuationScore> scores);
// Scores up to `batch_size` consecutive items of one prefix group per ScoreContinuations call
// (with ScoreOptions::shared_prefix = their shared_prefix), and items without a group one per call
// (the choices of one item share a context either way).
absl::StatusOr<std::vector<ChoiceOutcome>> ScoreChoiceItems(const Engine& engine,
                                                            absl::Span<const ChoiceItem> items,
                                                            int batch_size, const UnitMask& mask,
                                                            const Replacements& replacements);

// ---- MMLU ----
struct MmluOptions {
  std::string dir;  // the release layout: {dir}/dev/*_dev.csv, {dir}/{split}/*_{split}.csv
  std::string split = "test";
  std::vector<std::string> subjects;  // empty = all, sorted
  int num_shots = 5;                  // from dev, in file order
  int max_context_tokens = 2048;      // shots are dropped from the last while the prompt exceeds it
  int limit = 0;                      // questions per subject, 0 = all
  int batch_size = 16;                // questions per ScoreContinuations call
  bool skip_bad_rows = false;
};
struct MmluResult {
  AccuracyStat pooled;        // over all questions (the paper's "weighted" headline)
  double macro_accuracy = 0;  // mean of the per-subject accuracies
  std::map<std::string, AccuracyStat> subjects;
  double gold_logprob_sum = 0;  // summed log-likelihood of the correct letters
  int64_t shots_dropped = 0;    // over all questions, by the context cap
  int skipped_rows = 0;
};
struct QuestionOutcome {
  std::string subject;
  bool correct = false;
};
// The pooled, per-subject and macro accuracies of `outcomes` (other fields left at zero).
MmluResult AggregateMmlu(absl::Span<const QuestionOutcome> outcomes);

// ---- ARC and BoolQ ----
struct ChoiceTaskOptions {
  std::string path;  // JSONL
  int limit = 0;     // items, 0 = all
  int batch_size = 16;
  bool skip_bad_rows = false;
};
struct ArcResult {
  AccuracyStat acc;       // argmax of summed log-likelihood
  AccuracyStat acc_norm;  // argmax of log-likelihood / characters of the choice text
  double gold_logprob_sum = 0;
  int skipped_rows = 0;
};
struct BoolqResult {
  AccuracyStat acc;
  double gold_logprob_sum = 0;
  int skipped_rows = 0;
};

// ---- GSM8K ----
struct Gsm8kOptions {
  std::string path;        // test JSONL
  std::string shots_path;  // JSONL of worked examples; its first num_shots rows are the shots
  int num_shots = 5;
  int max_new_tokens = 256;
  // Stop generating once the output contains "Question:" (else spend the whole budget). Either
  // way the output is cut at "Question:", so results are the same; stopping is faster.
  bool stop_early = true;
  int limit = 0;
  bool skip_bad_rows = false;
};
struct Gsm8kResult {
  AccuracyStat strict;               // "#### N" in the output equals the target
  AccuracyStat flexible;             // the last number in the output equals the target
  std::vector<std::string> outputs;  // per item, cut at "Question:"
  int skipped_rows = 0;
};

// ---- Perplexity ----
struct PerplexityOptions {
  std::string path;  // calibration text: JSONL {"text": ...} per document, or plain text
  int seq_len = 256;
  int max_sequences = 0;           // packed sequences kept before the split, 0 = all
  double held_out_fraction = 0.1;  // of the packed sequences, chosen by `seed`
  uint64_t seed = 0;
  int limit = 0;  // held-out sequences evaluated, 0 = all
  int batch_size = 8;
};
struct PerplexityResult {
  int64_t sequences = 0;
  int64_t tokens = 0;  // predicted tokens
  double mean_nll = 0;
  double corpus_perplexity = 0;           // exp(corpus mean NLL)
  double mean_sequence_perplexity = 0;    // mean of exp(sequence mean NLL), as the paper reports
  double sequence_perplexity_stderr = 0;  // standard error of that mean
};

// The evaluators. Each is thread-compatible (one Evaluate at a time, as the Engine requires) and
// keeps `engine` (not owned), which must outlive it. Create returns the readers' errors.
class MmluEvaluator {
 public:
  static absl::StatusOr<std::unique_ptr<MmluEvaluator>> Create(const Engine* engine,
                                                               const MmluOptions& options);
  absl::StatusOr<MmluResult> Evaluate(const UnitMask& mask, const Replacements& replacements) const;
  // correct = questions right (pooled), items, gold_logprob_sum, input_tokens.
  absl::StatusOr<TaskSums> Sums(const ItemRange& range, const UnitMask& mask,
                                const Replacements& replacements) const;
  int num_items() const { return static_cast<int>(items_.size()); }

 private:
  MmluEvaluator(const Engine* engine, const MmluOptions& options);
  const Engine* engine_;
  MmluOptions options_;
  std::vector<ChoiceItem> items_;
  std::vector<std::string> subject_of_item_;
  int64_t shots_dropped_ = 0;
  int skipped_rows_ = 0;
};

class ArcEvaluator {
 public:
  static absl::StatusOr<std::unique_ptr<ArcEvaluator>> Create(const Engine* engine,
                                                              const ChoiceTaskOptions& options);
  absl::StatusOr<ArcResult> Evaluate(const UnitMask& mask, const Replacements& replacements) const;
  // correct = acc, correct_alt = acc_norm, items, gold_logprob_sum, input_tokens.
  absl::StatusOr<TaskSums> Sums(const ItemRange& range, const UnitMask& mask,
                                const Replacements& replacements) const;
  int num_items() const { return static_cast<int>(items_.size()); }

 private:
  ArcEvaluator(const Engine* engine, const ChoiceTaskOptions& options);
  const Engine* engine_;
  ChoiceTaskOptions options_;
  std::vector<ChoiceItem> items_;
  int skipped_rows_ = 0;
};

class BoolqEvaluator {
 public:
  static absl::StatusOr<std::unique_ptr<BoolqEvaluator>> Create(const Engine* engine,
                                                                const ChoiceTaskOptions& options);
  absl::StatusOr<BoolqResult> Evaluate(const UnitMask& mask,
                                       const Replacements& replacements) const;
  // correct = acc, items, gold_logprob_sum, input_tokens.
  absl::StatusOr<TaskSums> Sums(const ItemRange& range, const UnitMask& mask,
                                const Replacements& replacements) const;
  int num_items() const { return static_cast<int>(items_.size()); }

 private:
  BoolqEvaluator(const Engine* engine, const ChoiceTaskOptions& options);
  const Engine* engine_;
  ChoiceTaskOptions options_;
  std::vector<ChoiceItem> items_;
  int skipped_rows_ = 0;
};

class Gsm8kEvaluator {
 public:
  static absl::StatusOr<std::unique_ptr<Gsm8kEvaluator>> Create(const Engine* engine,
                                                                const Gsm8kOptions& options);
  absl::StatusOr<Gsm8kResult> Evaluate(const UnitMask& mask,
                                       const Replacements& replacements) const;
  // correct = strict, correct_alt = flexible, items, input_tokens (prompt + generated).
  absl::StatusOr<TaskSums> Sums(const ItemRange& range, const UnitMask& mask,
                                const Replacements& replacements) const;
  int num_items() const { return static_cast<int>(prompts_.size()); }

 private:
  Gsm8kEvaluator(const Engine* engine, const Gsm8kOptions& options);
  // The output cut at the stop string; adds the tokens fed to the model to *input_tokens.
  absl::StatusOr<std::string> GenerateAnswer(const std::vector<int32_t>& prompt,
                                             const UnitMask& mask, const Replacements& replacements,
                                             int64_t* input_tokens) const;
  // Scores items [begin, end), appending outputs when `outputs` is not null.
  absl::StatusOr<TaskSums> SumRange(size_t begin, size_t end, const UnitMask& mask,
                                    const Replacements& replacements,
                                    std::vector<std::string>* outputs) const;
  const Engine* engine_;
  Gsm8kOptions options_;
  std::vector<std::vector<int32_t>> prompts_;  // tokenised with BOS
  std::vector<std::string> targets_;
  int skipped_rows_ = 0;
};

class PerplexityEvaluator {
 public:
  static absl::StatusOr<std::unique_ptr<PerplexityEvaluator>> Create(
      const Engine* engine, const PerplexityOptions& options);
  absl::StatusOr<PerplexityResult> Evaluate(const UnitMask& mask,
                                            const Replacements& replacements) const;
  // Over the evaluated held-out sequences (the first `limit`): nll_sum, tokens,
  // sequence_perplexity_sum, sequences (= items), input_tokens. Batches are aligned to multiples
  // of batch_size in that list, so each sequence is always computed in the same batch (results
  // depend on batch shapes at float rounding); a range cutting a batch also runs its neighbours.
  absl::StatusOr<TaskSums> Sums(const ItemRange& range, const UnitMask& mask,
                                const Replacements& replacements) const;
  // Held-out sequences evaluated (after `limit`).
  int num_items() const;
  // The split: calibration sequences (for statistics passes) and the evaluated held-out ones.
  const TokenSequences& calibration() const { return calibration_; }
  const TokenSequences& held_out() const { return held_out_; }

 private:
  PerplexityEvaluator(const Engine* engine, const PerplexityOptions& options);
  // Sequences [begin, end) of held_out_, appending each one's perplexity when asked.
  absl::StatusOr<TaskSums> SumRange(size_t begin, size_t end, const UnitMask& mask,
                                    const Replacements& replacements,
                                    std::vector<double>* perplexities) const;
  const Engine* engine_;
  PerplexityOptions options_;
  TokenSequences calibration_;
  TokenSequences held_out_;
};

}  // namespace depthlab::engine::tasks

#endif  // DEPTHLAB_WORKER_ENGINE_TASKS_EVALUATORS_H_
