#include "worker/engine/tasks/evaluators.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/engine/corpus.h"
#include "worker/engine/tasks/prompts.h"

namespace depthlab::engine::tasks {

using ::depthlab::tasks::MmluData;
using ::depthlab::tasks::MmluReadOptions;
using ::depthlab::tasks::MmluSubject;
using ::depthlab::tasks::NormalizeGsm8kNumber;
using ::depthlab::tasks::ReadArc;
using ::depthlab::tasks::ReadBoolq;
using ::depthlab::tasks::ReadGsm8k;
using ::depthlab::tasks::ReadMmlu;
using ::depthlab::tasks::Rows;
using ::depthlab::tasks::SequenceSplit;
using ::depthlab::tasks::SplitHeldOut;
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The end of a number whose digits start at `begin`: digits and ',' groups, then a '.' decimal
// part.
size_t NumberEnd(absl::string_view s, size_t begin) {
  size_t end = begin;
  while (end < s.size() &&
         (IsDigit(s[end]) || (s[end] == ',' && end + 1 < s.size() && IsDigit(s[end + 1])))) {
    ++end;
  }
  if (end + 1 < s.size() && s[end] == '.' && IsDigit(s[end + 1])) {
    ++end;
    while (end < s.size() && IsDigit(s[end])) ++end;
  }
  return end;
}

// A number starting exactly at `pos` (after optional '-' and '$'), normalised; nullopt if none.
std::optional<std::string> NumberAt(absl::string_view s, size_t pos) {
  const size_t begin = pos;
  if (pos < s.size() && s[pos] == '-') ++pos;
  if (pos < s.size() && s[pos] == '$') ++pos;
  if (pos >= s.size() || !IsDigit(s[pos])) return std::nullopt;
  return NormalizeGsm8kNumber(s.substr(begin, NumberEnd(s, pos) - begin));
}

// A number's sign and currency prefix just before its first digit at `digit`.
size_t NumberStart(absl::string_view s, size_t digit) {
  size_t start = digit;
  if (start > 0 && s[start - 1] == '$') --start;
  if (start > 0 && s[start - 1] == '-') --start;
  return start;
}

absl::StatusOr<ChoiceItem> MakeChoiceItem(const Tokenizer& tokenizer, const std::string& context,
                                          const std::vector<std::string>& continuations,
                                          int answer) {
  ChoiceItem item;
  DEPTHLAB_ASSIGN_OR_RETURN(item.requests, BuildRequests(tokenizer, context, continuations));
  for (const std::string& continuation : continuations) {
    const bool spaced = !continuation.empty() && continuation[0] == ' ';
    item.char_lengths.push_back(Utf8Length(absl::string_view(continuation).substr(spaced)));
  }
  item.answer = answer;
  return item;
}

template <typename T>
void ApplyLimit(int limit, std::vector<T>* items) {
  if (limit > 0 && static_cast<int>(items->size()) > limit) items->resize(limit);
}

struct ChoiceTally {
  int64_t correct = 0;
  int64_t correct_norm = 0;
  double gold_logprob_sum = 0;
};

ChoiceTally Tally(absl::Span<const ChoiceItem> items, const std::vector<ChoiceOutcome>& outs) {
  ChoiceTally tally;
  for (size_t i = 0; i < items.size(); ++i) {
    tally.correct += outs[i].predicted == items[i].answer;
    tally.correct_norm += outs[i].predicted_norm == items[i].answer;
    tally.gold_logprob_sum += outs[i].gold_logprob;
  }
  return tally;
}

// Positions [begin, end) of `range` within `size` items.
absl::StatusOr<std::pair<size_t, size_t>> Resolve(const ItemRange& range, size_t size) {
  if (range.first_item < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("item range: first_item ", range.first_item, " must be >= 0"));
  }
  const size_t begin = std::min(size, static_cast<size_t>(range.first_item));
  const size_t end =
      range.num_items < 0 ? size : std::min(size, begin + static_cast<size_t>(range.num_items));
  return std::make_pair(begin, end);
}

// Multiple-choice sums over `items`: correct (acc), correct_alt (acc_norm), gold log-likelihood.
absl::StatusOr<TaskSums> ChoiceSums(const Engine& engine, absl::Span<const ChoiceItem> items,
                                    int batch_size, const UnitMask& mask,
                                    const Replacements& replacements) {
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<ChoiceOutcome> outcomes,
                            ScoreChoiceItems(engine, items, batch_size, mask, replacements));
  const ChoiceTally tally = Tally(items, outcomes);
  TaskSums sums;
  sums.items = static_cast<int64_t>(items.size());
  sums.correct = tally.correct;
  sums.correct_alt = tally.correct_norm;
  sums.gold_logprob_sum = tally.gold_logprob_sum;
  for (const ChoiceItem& item : items) {
    sums.input_tokens += item.requests[0].context_length;
    for (const ContinuationRequest& r : item.requests) {
      sums.input_tokens += static_cast<int64_t>(r.tokens.size()) - r.context_length;
    }
  }
  return sums;
}

// Gives each item of `items[begin, end)` the tokens all of them share (stopping one short of
// every context), as one prefix group.
void AssignPrefixGroup(int group, const std::vector<size_t>& members,
                       std::vector<ChoiceItem>* items) {
  const std::vector<int32_t>& base = (*items)[members[0]].requests[0].tokens;
  size_t shared = base.size();
  for (size_t i : members) {
    for (const ContinuationRequest& r : (*items)[i].requests) {
      shared = std::min(shared, static_cast<size_t>(r.context_length - 1));
      size_t t = 0;
      while (t < shared && r.tokens[t] == base[t]) ++t;
      shared = t;
    }
  }
  for (size_t i : members) {
    (*items)[i].prefix_group = group;
    (*items)[i].shared_prefix = static_cast<int>(shared);
  }
}

}  // namespace

AccuracyStat AccuracyStat::FromCounts(int64_t correct, int64_t n) {
  AccuracyStat stat;
  stat.n = n;
  stat.correct = correct;
  if (n > 0) {
    stat.accuracy = static_cast<double>(correct) / static_cast<double>(n);
    stat.standard_error = std::sqrt(stat.accuracy * (1 - stat.accuracy) / static_cast<double>(n));
  }
  return stat;
}

int ArgMaxLogprob(absl::Span<const ContinuationScore> scores) {
  int best = 0;
  for (size_t i = 1; i < scores.size(); ++i) {
    if (scores[i].logprob > scores[best].logprob) best = static_cast<int>(i);
  }
  return best;
}

int ArgMaxNormalizedLogprob(absl::Span<const ContinuationScore> scores,
                            absl::Span<const int> char_lengths) {
  auto normalized = [&](size_t i) { return scores[i].logprob / std::max(1, char_lengths[i]); };
  int best = 0;
  for (size_t i = 1; i < scores.size(); ++i) {
    if (normalized(i) > normalized(static_cast<size_t>(best))) best = static_cast<int>(i);
  }
  return best;
}

int Utf8Length(absl::string_view text) {
  int n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string TruncateAtStop(absl::string_view text, absl::string_view stop) {
  return std::string(text.substr(0, text.find(stop)));
}

std::optional<std::string> ExtractStrictAnswer(absl::string_view output) {
  for (size_t at = output.find("####"); at != absl::string_view::npos;
       at = output.find("####", at + 4)) {
    size_t pos = at + 4;
    while (pos < output.size() && (output[pos] == ' ' || output[pos] == '\t')) ++pos;
    if (std::optional<std::string> number = NumberAt(output, pos)) return number;
  }
  return std::nullopt;
}

std::optional<std::string> ExtractFlexibleAnswer(absl::string_view output) {
  std::optional<std::string> last;
  size_t pos = 0;
  while (pos < output.size()) {
    if (!IsDigit(output[pos])) {
      ++pos;
      continue;
    }
    last = NumberAt(output, NumberStart(output, pos));
    pos = NumberEnd(output, pos);
  }
  return last;
}

ChoiceOutcome ScoreChoice(const ChoiceItem& item, absl::Span<const ContinuationScore> scores) {
  ChoiceOutcome outcome;
  outcome.predicted = ArgMaxLogprob(scores);
  outcome.predicted_norm = ArgMaxNormalizedLogprob(scores, item.char_lengths);
  outcome.gold_logprob = scores[item.answer].logprob;
  return outcome;
}

absl::StatusOr<std::vector<ChoiceOutcome>> ScoreChoiceItems(const Engine& engine,
                                                            absl::Span<const ChoiceItem> items,
                                                            int batch_size, const UnitMask& mask,
                                                            const Replacements& replacements) {
  const size_t step = static_cast<size_t>(std::max(1, batch_size));
  std::vector<ChoiceOutcome> outcomes;
  for (size_t begin = 0, end = 0; begin < items.size(); begin = end) {
    const int group = items[begin].prefix_group;
    end = begin + 1;
    while (group >= 0 && end < items.size() && end - begin < step &&
           items[end].prefix_group == group) {
      ++end;
    }
    const absl::Span<const ChoiceItem> batch = items.subspan(begin, end - begin);
    std::vector<ContinuationRequest> requests;
    for (const ChoiceItem& item : batch) {
      requests.insert(requests.end(), item.requests.begin(), item.requests.end());
    }
    DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<ContinuationScore> scores,
                              engine.ScoreContinuations(requests, mask, replacements,
                                                        {.shared_prefix = batch[0].shared_prefix}));
    const absl::Span<const ContinuationScore> all(scores);
    size_t offset = 0;
    for (const ChoiceItem& item : batch) {
      outcomes.push_back(ScoreChoice(item, all.subspan(offset, item.requests.size())));
      offset += item.requests.size();
    }
  }
  return outcomes;
}

MmluResult AggregateMmlu(absl::Span<const QuestionOutcome> outcomes) {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // subject -> (correct, n)
  int64_t correct = 0;
  for (const QuestionOutcome& o : outcomes) {
    counts[o.subject].first += o.correct;
    counts[o.subject].second += 1;
    correct += o.correct;
  }
  MmluResult result;
  result.pooled = AccuracyStat::FromCounts(correct, static_cast<int64_t>(outcomes.size()));
  for (const auto& [subject, c] : counts) {
    result.subjects[subject] = AccuracyStat::FromCounts(c.first, c.second);
    result.macro_accuracy += result.subjects[subject].accuracy / counts.size();
  }
  return result;
}

// ---- MMLU ----

MmluEvaluator::MmluEvaluator(const Engine* engine, const MmluOptions& options)
    : engine_(engine), options_(options) {}

absl::StatusOr<std::unique_ptr<MmluEvaluator>> MmluEvaluator::Create(const Engine* engine,
                                                                     const MmluOptions& options) {
  if (options.num_shots < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("mmlu.num_shots: ", options.num_shots, " must be >= 0 (the paper uses 5)"));
  }
  MmluReadOptions read;
  read.split = options.split;
  read.subjects = options.subjects;
  read.read_shots = options.num_shots > 0;
  read.skip_bad_rows = options.skip_bad_rows;
  DEPTHLAB_ASSIGN_OR_RETURN(MmluData data, ReadMmlu(options.dir, read));
  std::unique_ptr<MmluEvaluator> evaluator(new MmluEvaluator(engine, options));
  evaluator->skipped_rows_ = data.skipped_rows;
  // Prefix groups: the questions of one subject with the same number of shots.
  std::map<std::pair<std::string, int>, std::vector<size_t>> groups;
  for (MmluSubject& subject : data.subjects) {
    ApplyLimit(options.limit, &subject.questions);
    for (const MmluQuestion& q : subject.questions) {
      DEPTHLAB_ASSIGN_OR_RETURN(FewShotPrompt prompt,
                                BuildMmluPrompt(engine->tokenizer(), subject.name, subject.shots, q,
                                                options.num_shots, options.max_context_tokens));
      evaluator->shots_dropped_ +=
          std::min<int>(options.num_shots, subject.shots.size()) - prompt.shots;
      DEPTHLAB_ASSIGN_OR_RETURN(ChoiceItem item, MakeChoiceItem(engine->tokenizer(), prompt.text,
                                                                MmluContinuations(), q.answer));
      groups[{subject.name, prompt.shots}].push_back(evaluator->items_.size());
      evaluator->items_.push_back(std::move(item));
      evaluator->subject_of_item_.push_back(subject.name);
    }
  }
  int group = 0;
  for (const auto& [key, members] : groups) AssignPrefixGroup(group++, members, &evaluator->items_);
  return evaluator;
}

absl::StatusOr<MmluResult> MmluEvaluator::Evaluate(const UnitMask& mask,
                                                   const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(
      const std::vector<ChoiceOutcome> outcomes,
      ScoreChoiceItems(*engine_, items_, options_.batch_size, mask, replacements));
  std::vector<QuestionOutcome> questions;
  for (size_t i = 0; i < items_.size(); ++i) {
    questions.push_back({subject_of_item_[i], outcomes[i].predicted == items_[i].answer});
  }
  MmluResult result = AggregateMmlu(questions);
  result.gold_logprob_sum = Tally(items_, outcomes).gold_logprob_sum;
  result.shots_dropped = shots_dropped_;
  result.skipped_rows = skipped_rows_;
  return result;
}

absl::StatusOr<TaskSums> MmluEvaluator::Sums(const ItemRange& range, const UnitMask& mask,
                                             const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const auto span, Resolve(range, items_.size()));
  DEPTHLAB_ASSIGN_OR_RETURN(TaskSums sums, ChoiceSums(*engine_,
                                                      absl::MakeConstSpan(items_).subspan(
                                                          span.first, span.second - span.first),
                                                      options_.batch_size, mask, replacements));
  sums.correct_alt = 0;
  return sums;
}

// ---- ARC ----

ArcEvaluator::ArcEvaluator(const Engine* engine, const ChoiceTaskOptions& options)
    : engine_(engine), options_(options) {}

absl::StatusOr<std::unique_ptr<ArcEvaluator>> ArcEvaluator::Create(
    const Engine* engine, const ChoiceTaskOptions& options) {
  DEPTHLAB_ASSIGN_OR_RETURN(Rows<ArcItem> rows, ReadArc(options.path, {options.skip_bad_rows}));
  ApplyLimit(options.limit, &rows.items);
  std::unique_ptr<ArcEvaluator> evaluator(new ArcEvaluator(engine, options));
  evaluator->skipped_rows_ = rows.skipped_rows;
  for (const ArcItem& arc : rows.items) {
    DEPTHLAB_ASSIGN_OR_RETURN(ChoiceItem item, MakeChoiceItem(engine->tokenizer(), ArcPrompt(arc),
                                                              ArcContinuations(arc), arc.answer));
    evaluator->items_.push_back(std::move(item));
  }
  return evaluator;
}

absl::StatusOr<ArcResult> ArcEvaluator::Evaluate(const UnitMask& mask,
                                                 const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums sums, Sums({}, mask, replacements));
  ArcResult result;
  result.acc = AccuracyStat::FromCounts(sums.correct, sums.items);
  result.acc_norm = AccuracyStat::FromCounts(sums.correct_alt, sums.items);
  result.gold_logprob_sum = sums.gold_logprob_sum;
  result.skipped_rows = skipped_rows_;
  return result;
}

absl::StatusOr<TaskSums> ArcEvaluator::Sums(const ItemRange& range, const UnitMask& mask,
                                            const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const auto span, Resolve(range, items_.size()));
  return ChoiceSums(*engine_,
                    absl::MakeConstSpan(items_).subspan(span.first, span.second - span.first),
                    options_.batch_size, mask, replacements);
}

// ---- BoolQ ----

BoolqEvaluator::BoolqEvaluator(const Engine* engine, const ChoiceTaskOptions& options)
    : engine_(engine), options_(options) {}

absl::StatusOr<std::unique_ptr<BoolqEvaluator>> BoolqEvaluator::Create(
    const Engine* engine, const ChoiceTaskOptions& options) {
  DEPTHLAB_ASSIGN_OR_RETURN(Rows<BoolqItem> rows, ReadBoolq(options.path, {options.skip_bad_rows}));
  ApplyLimit(options.limit, &rows.items);
  std::unique_ptr<BoolqEvaluator> evaluator(new BoolqEvaluator(engine, options));
  evaluator->skipped_rows_ = rows.skipped_rows;
  for (const BoolqItem& boolq : rows.items) {
    DEPTHLAB_ASSIGN_OR_RETURN(ChoiceItem item,
                              MakeChoiceItem(engine->tokenizer(), BoolqPrompt(boolq),
                                             BoolqContinuations(), boolq.answer ? 1 : 0));
    evaluator->items_.push_back(std::move(item));
  }
  return evaluator;
}

absl::StatusOr<BoolqResult> BoolqEvaluator::Evaluate(const UnitMask& mask,
                                                     const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums sums, Sums({}, mask, replacements));
  BoolqResult result;
  result.acc = AccuracyStat::FromCounts(sums.correct, sums.items);
  result.gold_logprob_sum = sums.gold_logprob_sum;
  result.skipped_rows = skipped_rows_;
  return result;
}

absl::StatusOr<TaskSums> BoolqEvaluator::Sums(const ItemRange& range, const UnitMask& mask,
                                              const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const auto span, Resolve(range, items_.size()));
  DEPTHLAB_ASSIGN_OR_RETURN(TaskSums sums, ChoiceSums(*engine_,
                                                      absl::MakeConstSpan(items_).subspan(
                                                          span.first, span.second - span.first),
                                                      options_.batch_size, mask, replacements));
  sums.correct_alt = 0;
  return sums;
}

// ---- GSM8K ----

Gsm8kEvaluator::Gsm8kEvaluator(const Engine* engine, const Gsm8kOptions& options)
    : engine_(engine), options_(options) {}

absl::StatusOr<std::unique_ptr<Gsm8kEvaluator>> Gsm8kEvaluator::Create(
    const Engine* engine, const Gsm8kOptions& options) {
  if (options.num_shots < 0 || options.max_new_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("gsm8k: num_shots (", options.num_shots, ") must be >= 0 and max_new_tokens (",
                     options.max_new_tokens, ") >= 1 (the protocol uses 5 and 256)"));
  }
  Rows<Gsm8kItem> shots;
  if (options.num_shots > 0) {
    if (options.shots_path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("gsm8k.shots_path: required for num_shots = ", options.num_shots,
                       " (a GSM8K train JSONL whose first rows are the worked examples)"));
    }
    DEPTHLAB_ASSIGN_OR_RETURN(shots, ReadGsm8k(options.shots_path, {options.skip_bad_rows}));
    if (static_cast<int>(shots.items.size()) < options.num_shots) {
      return absl::InvalidArgumentError(absl::StrCat(options.shots_path, ": has ",
                                                     shots.items.size(), " usable rows; ",
                                                     options.num_shots, " shots requested"));
    }
    shots.items.resize(options.num_shots);
  }
  DEPTHLAB_ASSIGN_OR_RETURN(Rows<Gsm8kItem> rows, ReadGsm8k(options.path, {options.skip_bad_rows}));
  ApplyLimit(options.limit, &rows.items);
  std::unique_ptr<Gsm8kEvaluator> evaluator(new Gsm8kEvaluator(engine, options));
  evaluator->skipped_rows_ = rows.skipped_rows + shots.skipped_rows;
  for (const Gsm8kItem& item : rows.items) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> prompt,
                              EncodeWithBos(engine->tokenizer(), Gsm8kPrompt(shots.items, item)));
    evaluator->prompts_.push_back(std::move(prompt));
    evaluator->targets_.push_back(item.target);
  }
  return evaluator;
}

// Greedy generation until the decoded text contains the stop string, EOS, or the budget is spent
// (with stop_early); greedy decoding is deterministic, so the text cut at the stop string equals
// that of generating the whole budget.
absl::StatusOr<std::string> Gsm8kEvaluator::GenerateAnswer(const std::vector<int32_t>& prompt,
                                                           const UnitMask& mask,
                                                           const Replacements& replacements,
                                                           int64_t* input_tokens) const {
  const Tokenizer& tokenizer = engine_->tokenizer();
  GenerateOptions generate;
  generate.max_new_tokens = options_.max_new_tokens;
  if (options_.stop_early) {
    generate.stop = [&tokenizer](const std::vector<int32_t>& generated) {
      return absl::StrContains(tokenizer.Decode(generated), kGsm8kStop);
    };
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<int32_t> fresh,
                            engine_->Generate(prompt, mask, replacements, generate));
  *input_tokens += static_cast<int64_t>(prompt.size() + fresh.size());
  return TruncateAtStop(tokenizer.Decode(fresh), kGsm8kStop);
}

absl::StatusOr<TaskSums> Gsm8kEvaluator::SumRange(size_t begin, size_t end, const UnitMask& mask,
                                                  const Replacements& replacements,
                                                  std::vector<std::string>* outputs) const {
  TaskSums sums;
  for (size_t i = begin; i < end; ++i) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::string output,
                              GenerateAnswer(prompts_[i], mask, replacements, &sums.input_tokens));
    sums.correct += ExtractStrictAnswer(output) == targets_[i];
    sums.correct_alt += ExtractFlexibleAnswer(output) == targets_[i];
    sums.items += 1;
    if (outputs != nullptr) outputs->push_back(std::move(output));
  }
  return sums;
}

absl::StatusOr<Gsm8kResult> Gsm8kEvaluator::Evaluate(const UnitMask& mask,
                                                     const Replacements& replacements) const {
  Gsm8kResult result;
  DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums sums,
                            SumRange(0, prompts_.size(), mask, replacements, &result.outputs));
  result.strict = AccuracyStat::FromCounts(sums.correct, sums.items);
  result.flexible = AccuracyStat::FromCounts(sums.correct_alt, sums.items);
  result.skipped_rows = skipped_rows_;
  return result;
}

absl::StatusOr<TaskSums> Gsm8kEvaluator::Sums(const ItemRange& range, const UnitMask& mask,
                                              const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const auto span, Resolve(range, prompts_.size()));
  return SumRange(span.first, span.second, mask, replacements, nullptr);
}

// ---- Perplexity ----

PerplexityEvaluator::PerplexityEvaluator(const Engine* engine, const PerplexityOptions& options)
    : engine_(engine), options_(options) {}

absl::StatusOr<std::unique_ptr<PerplexityEvaluator>> PerplexityEvaluator::Create(
    const Engine* engine, const PerplexityOptions& options) {
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<std::string> documents, LoadDocuments(options.path));
  DEPTHLAB_ASSIGN_OR_RETURN(
      TokenSequences sequences,
      PackSequences(engine->tokenizer(), documents, options.seq_len, options.max_sequences));
  DEPTHLAB_ASSIGN_OR_RETURN(
      const SequenceSplit split,
      SplitHeldOut(static_cast<int>(sequences.size()), options.held_out_fraction, options.seed));
  std::unique_ptr<PerplexityEvaluator> evaluator(new PerplexityEvaluator(engine, options));
  for (int i : split.calibration) evaluator->calibration_.push_back(std::move(sequences[i]));
  for (int i : split.held_out) evaluator->held_out_.push_back(std::move(sequences[i]));
  return evaluator;
}

int PerplexityEvaluator::num_items() const {
  const int held = static_cast<int>(held_out_.size());
  return options_.limit > 0 ? std::min(held, options_.limit) : held;
}

absl::StatusOr<TaskSums> PerplexityEvaluator::SumRange(size_t begin, size_t end,
                                                       const UnitMask& mask,
                                                       const Replacements& replacements,
                                                       std::vector<double>* perplexities) const {
  const size_t step = static_cast<size_t>(std::max(1, options_.batch_size));
  const size_t count = static_cast<size_t>(num_items());
  TaskSums sums;
  for (size_t first = begin / step * step; first < end; first += step) {
    const TokenSequences batch(held_out_.begin() + first,
                               held_out_.begin() + std::min(count, first + step));
    DEPTHLAB_ASSIGN_OR_RETURN(const LossResult loss, engine_->Loss(batch, mask, replacements));
    for (size_t s = std::max(first, begin) - first; s < batch.size() && first + s < end; ++s) {
      const double perplexity = std::exp(loss.sequence_nll[s] / loss.sequence_tokens[s]);
      sums.nll_sum += loss.sequence_nll[s];
      sums.tokens += loss.sequence_tokens[s];
      sums.sequence_perplexity_sum += perplexity;
      sums.input_tokens += static_cast<int64_t>(batch[s].size());
      sums.sequences += 1;
      if (perplexities != nullptr) perplexities->push_back(perplexity);
    }
  }
  sums.items = sums.sequences;
  return sums;
}

absl::StatusOr<TaskSums> PerplexityEvaluator::Sums(const ItemRange& range, const UnitMask& mask,
                                                   const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(const auto span, Resolve(range, static_cast<size_t>(num_items())));
  return SumRange(span.first, span.second, mask, replacements, nullptr);
}

absl::StatusOr<PerplexityResult> PerplexityEvaluator::Evaluate(
    const UnitMask& mask, const Replacements& replacements) const {
  std::vector<double> perplexities;
  DEPTHLAB_ASSIGN_OR_RETURN(const TaskSums sums, SumRange(0, static_cast<size_t>(num_items()), mask,
                                                          replacements, &perplexities));
  PerplexityResult result;
  result.sequences = sums.sequences;
  result.tokens = sums.tokens;
  result.mean_nll = sums.tokens ? sums.nll_sum / static_cast<double>(sums.tokens) : 0;
  result.corpus_perplexity = std::exp(result.mean_nll);
  const double n = static_cast<double>(perplexities.size());
  for (double p : perplexities) result.mean_sequence_perplexity += p / n;
  double squares = 0;
  for (double p : perplexities)
    squares += (p - result.mean_sequence_perplexity) * (p - result.mean_sequence_perplexity);
  if (n > 1) result.sequence_perplexity_stderr = std::sqrt(squares / (n - 1) / n);
  return result;
}

}  // namespace depthlab::engine::tasks
