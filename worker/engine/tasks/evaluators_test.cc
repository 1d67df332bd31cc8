// The scoring rules on hand-built log-likelihoods and hand-written generations, then each
// evaluator end to end on a small random model with tiny task files written here: a random model
// has no known accuracy, so these assert structure (counts, ranges, repeatability, batching
// invariance, and that removing a block changes the scores).
#include "worker/engine/tasks/evaluators.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "worker/engine/corpus.h"
#include "worker/engine/random_model.h"

namespace depthlab::engine::tasks {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::Optional;

std::vector<ContinuationScore> Scores(const std::vector<double>& logprobs) {
  std::vector<ContinuationScore> scores;
  scores.reserve(logprobs.size());
  for (double lp : logprobs) scores.push_back({lp, 1, false});
  return scores;
}

TEST(ScoringTest, AccuracyWithBinomialStandardError) {
  const AccuracyStat stat = AccuracyStat::FromCounts(3, 4);
  EXPECT_EQ(stat.n, 4);
  EXPECT_EQ(stat.correct, 3);
  EXPECT_DOUBLE_EQ(stat.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(stat.standard_error, std::sqrt(0.75 * 0.25 / 4));
  EXPECT_EQ(AccuracyStat::FromCounts(0, 0).accuracy, 0);
  EXPECT_EQ(AccuracyStat::FromCounts(0, 0).standard_error, 0);
}

TEST(ScoringTest, ArgMaxTakesTheHighestLogprobAndTheFirstOnTies) {
  EXPECT_EQ(ArgMaxLogprob(Scores({-3.0, -1.5, -2.0, -9.0})), 1);
  EXPECT_EQ(ArgMaxLogprob(Scores({-2.0, -1.0, -1.0, -1.0})), 1);
  EXPECT_EQ(ArgMaxLogprob(Scores({-4.0})), 0);
}

TEST(ScoringTest, AccNormDividesByCharacterLengthAndTakesTheFirstOnTies) {
  // Raw: -3 > -4; per character: -3/3 = -1 < -4/8 = -0.5.
  const auto scores = Scores({-3.0, -4.0});
  EXPECT_EQ(ArgMaxLogprob(scores), 0);
  EXPECT_EQ(ArgMaxNormalizedLogprob(scores, std::vector<int>{3, 8}), 1);
  // -2/4 == -1/2 == -3/6: the first of the tied ones.
  EXPECT_EQ(ArgMaxNormalizedLogprob(Scores({-9.0, -2.0, -1.0, -3.0}), std::vector<int>{1, 4, 2, 6}),
            1);
  EXPECT_EQ(Utf8Length("caf\xC3\xA9"), 4);  // "café"
}

TEST(ScoringTest, ScoreChoiceUsesCharacterLengthsOfTheItem) {
  ChoiceItem item;
  item.char_lengths = {3, 8};
  item.answer = 1;
  const ChoiceOutcome outcome = ScoreChoice(item, Scores({-3.0, -4.0}));
  EXPECT_EQ(outcome.predicted, 0);
  EXPECT_EQ(outcome.predicted_norm, 1);
  EXPECT_EQ(outcome.gold_logprob, -4.0);
}

TEST(ScoringTest, MmluPooledAccuracyWeighsQuestionsAndMacroWeighsSubjects) {
  const std::vector<QuestionOutcome> outcomes = {
      {"anatomy", true}, {"anatomy", true}, {"anatomy", true}, {"anatomy", false}, {"law", false}};
  const MmluResult result = AggregateMmlu(outcomes);
  EXPECT_EQ(result.pooled.n, 5);
  EXPECT_DOUBLE_EQ(result.pooled.accuracy, 0.6);
  EXPECT_DOUBLE_EQ(result.macro_accuracy, (0.75 + 0.0) / 2);
  ASSERT_EQ(result.subjects.size(), 2u);
  EXPECT_EQ(result.subjects.at("anatomy").n, 4);
  EXPECT_DOUBLE_EQ(result.subjects.at("anatomy").accuracy, 0.75);
  EXPECT_DOUBLE_EQ(result.subjects.at("law").accuracy, 0.0);
}

TEST(ScoringTest, Gsm8kStrictNeedsTheMarkerFlexibleTakesTheLastNumber) {
  const std::string worked = " She has 1,200 - 200 = $1,000 left.\n#### $1,000.\n";
  EXPECT_THAT(ExtractStrictAnswer(worked), Optional(std::string("1000")));
  EXPECT_THAT(ExtractFlexibleAnswer(worked), Optional(std::string("1000")));
  EXPECT_EQ(ExtractStrictAnswer(" The answer is 42."), std::nullopt);
  EXPECT_THAT(ExtractFlexibleAnswer(" The answer is 42."), Optional(std::string("42")));
  EXPECT_THAT(ExtractStrictAnswer("#### -5"), Optional(std::string("-5")));
  EXPECT_THAT(ExtractFlexibleAnswer("from 3 it drops to -5 degrees"), Optional(std::string("-5")));
  EXPECT_THAT(ExtractFlexibleAnswer("costs 2.50 dollars"), Optional(std::string("2.50")));
  // A marker without a number is passed over for the next one.
  EXPECT_THAT(ExtractStrictAnswer("#### none\n#### 7"), Optional(std::string("7")));
  EXPECT_EQ(ExtractStrictAnswer("no number at all"), std::nullopt);
  EXPECT_EQ(ExtractFlexibleAnswer("no number at all"), std::nullopt);
  EXPECT_EQ(TruncateAtStop(" 4\n#### 4\n\nQuestion: next", "Question:"), " 4\n#### 4\n\n");
  EXPECT_EQ(TruncateAtStop("no stop", "Question:"), "no stop");
}

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// One random model and tiny task files shared by the end-to-end tests.
class EvaluatorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::depthlab::testing::TempDir();
    RandomModelOptions o;
    o.config.num_hidden_layers = 3;
    o.seed = 5;
    ASSERT_TRUE(WriteRandomModel(dir_->Sub("model"), o).ok());
    auto engine =
        Engine::Create({.model_dir = dir_->Sub("model"), .device = "cpu", .num_threads = 1});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = engine->release();
    WriteTaskFiles();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }

  static void WriteTaskFiles() {
    for (const char* subject : {"alpha_facts", "beta_facts"}) {
      std::string dev, test;
      for (int i = 0; i < 5; ++i) {
        absl::StrAppend(&dev, "Dev ", i, "?,a,b,c,d,", std::string(1, "ABCD"[i % 4]), "\n");
      }
      for (int i = 0; i < 3; ++i) absl::StrAppend(&test, "\"Is ", i, ", or not?\",w,x,y,z,B\n");
      Write(dir_->Sub(absl::StrCat("mmlu/dev/", subject, "_dev.csv")), dev);
      Write(dir_->Sub(absl::StrCat("mmlu/test/", subject, "_test.csv")), test);
    }
    Write(
        dir_->Sub("arc.jsonl"),
        R"({"id": "1", "question": {"stem": "Hot?", "choices": [{"text": "ice", "label": "A"}, {"text": "fire", "label": "B"}]}, "answerKey": "B"})"
        "\n"
        R"({"id": "2", "question": {"stem": "Wet?", "choices": [{"text": "sea", "label": "1"}, {"text": "sand", "label": "2"}, {"text": "stone", "label": "3"}]}, "answerKey": "1"})"
        "\n"
        R"({"id": "3", "question": {"stem": "Up?", "choices": [{"text": "sky", "label": "A"}, {"text": "ground", "label": "B"}, {"text": "sea floor", "label": "C"}, {"text": "cave", "label": "D"}]}, "answerKey": "A"})"
        "\n");
    Write(
        dir_->Sub("boolq.jsonl"),
        R"({"question": "is the sky blue", "title": "Sky", "answer": true, "passage": "The sky is blue."})"
        "\n"
        R"({"question": "is ice hot", "title": "Ice", "answer": false, "passage": "Ice is cold."})"
        "\n");
    Write(dir_->Sub("gsm8k_train.jsonl"), R"({"question": "1 + 1?", "answer": "1 + 1 = 2\n#### 2"})"
                                          "\n"
                                          R"({"question": "2 + 3?", "answer": "2 + 3 = 5\n#### 5"})"
                                          "\n");
    Write(
        dir_->Sub("gsm8k_test.jsonl"),
        R"({"question": "4 + 4?", "answer": "#### 8"})"
        "\n"
        R"({"question": "Tom had 10 pens and lost 3. How many are left?", "answer": "10 - 3 = 7\n#### 7"})"
        "\n");
    std::string calibration;
    for (int d = 0; d < 12; ++d) {
      absl::StrAppend(&calibration, R"({"text": "Document )", d,
                      R"( talks about the weather and the sea, again and again."})", "\n");
    }
    Write(dir_->Sub("calibration.jsonl"), calibration);
  }

  static UnitMask AllKept() { return UnitMask::AllKept(3); }
  static UnitMask WithoutBlock1() {
    UnitMask mask = UnitMask::AllKept(3);
    mask.RemoveBlock(1);
    return mask;
  }

  static ::depthlab::testing::TempDir* dir_;
  static Engine* engine_;
};

::depthlab::testing::TempDir* EvaluatorsTest::dir_ = nullptr;
Engine* EvaluatorsTest::engine_ = nullptr;

void ExpectInUnitRange(const AccuracyStat& stat) {
  EXPECT_GE(stat.accuracy, 0);
  EXPECT_LE(stat.accuracy, 1);
}

TEST_F(EvaluatorsTest, MmluCountsSubjectsRepeatsAndRespondsToRemovingABlock) {
  MmluOptions options;
  options.dir = dir_->Sub("mmlu");
  auto mmlu = MmluEvaluator::Create(engine_, options);
  ASSERT_TRUE(mmlu.ok()) << mmlu.status();
  auto full = (*mmlu)->Evaluate(AllKept(), {});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->pooled.n, 6);
  ASSERT_EQ(full->subjects.size(), 2u);
  EXPECT_EQ(full->subjects.at("alpha_facts").n, 3);
  EXPECT_EQ(full->subjects.at("alpha_facts").correct + full->subjects.at("beta_facts").correct,
            full->pooled.correct);
  ExpectInUnitRange(full->pooled);
  EXPECT_EQ(full->shots_dropped, 0);
  EXPECT_LT(full->gold_logprob_sum, 0);

  auto again = (*mmlu)->Evaluate(AllKept(), {});
  EXPECT_EQ(again->pooled.correct, full->pooled.correct);
  EXPECT_EQ(again->gold_logprob_sum, full->gold_logprob_sum);
  auto pruned = (*mmlu)->Evaluate(WithoutBlock1(), {});
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_NE(pruned->gold_logprob_sum, full->gold_logprob_sum);

  options.batch_size = 1;  // batching does not change the scores
  auto one_by_one = MmluEvaluator::Create(engine_, options);
  ASSERT_TRUE(one_by_one.ok());
  EXPECT_THAT((*one_by_one)->Evaluate(AllKept(), {})->gold_logprob_sum,
              DoubleNear(full->gold_logprob_sum, 1e-6));
}

TEST_F(EvaluatorsTest, MmluLimitContextCapAndBadRows) {
  MmluOptions options;
  options.dir = dir_->Sub("mmlu");
  options.limit = 1;
  options.max_context_tokens = 120;
  auto mmlu = MmluEvaluator::Create(engine_, options);
  ASSERT_TRUE(mmlu.ok()) << mmlu.status();
  EXPECT_EQ((*mmlu)->num_items(), 2);
  auto result = (*mmlu)->Evaluate(AllKept(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->shots_dropped, 0);

  ::depthlab::testing::TempDir bad;
  Write(bad.Sub("test/x_test.csv"), "fine,a,b,c,d,A\nbroken,a,b,c,d,Z\n");
  Write(bad.Sub("dev/x_dev.csv"), "shot,a,b,c,d,B\n");
  options = MmluOptions();
  options.dir = bad.path();
  EXPECT_THAT(MmluEvaluator::Create(engine_, options).status().message(),
              HasSubstr("test/x_test.csv:2:"));
  options.skip_bad_rows = true;
  auto skipping = MmluEvaluator::Create(engine_, options);
  ASSERT_TRUE(skipping.ok()) << skipping.status();
  auto skipped = (*skipping)->Evaluate(AllKept(), {});
  EXPECT_EQ(skipped->pooled.n, 1);
  EXPECT_EQ(skipped->skipped_rows, 1);
}

TEST_F(EvaluatorsTest, ArcReportsAccAndAccNorm) {
  auto arc = ArcEvaluator::Create(engine_, {.path = dir_->Sub("arc.jsonl")});
  ASSERT_TRUE(arc.ok()) << arc.status();
  auto full = (*arc)->Evaluate(AllKept(), {});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->acc.n, 3);
  EXPECT_EQ(full->acc_norm.n, 3);
  ExpectInUnitRange(full->acc);
  ExpectInUnitRange(full->acc_norm);
  auto again = (*arc)->Evaluate(AllKept(), {});
  EXPECT_EQ(again->acc.correct, full->acc.correct);
  EXPECT_EQ(again->acc_norm.correct, full->acc_norm.correct);
  EXPECT_EQ(again->gold_logprob_sum, full->gold_logprob_sum);
  EXPECT_NE((*arc)->Evaluate(WithoutBlock1(), {})->gold_logprob_sum, full->gold_logprob_sum);
  auto limited = ArcEvaluator::Create(engine_, {.path = dir_->Sub("arc.jsonl"), .limit = 2});
  EXPECT_EQ((*limited)->num_items(), 2);
}

TEST_F(EvaluatorsTest, BoolqReportsAccuracy) {
  auto boolq = BoolqEvaluator::Create(engine_, {.path = dir_->Sub("boolq.jsonl")});
  ASSERT_TRUE(boolq.ok()) << boolq.status();
  auto full = (*boolq)->Evaluate(AllKept(), {});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->acc.n, 2);
  ExpectInUnitRange(full->acc);
  EXPECT_EQ((*boolq)->Evaluate(AllKept(), {})->gold_logprob_sum, full->gold_logprob_sum);
  EXPECT_NE((*boolq)->Evaluate(WithoutBlock1(), {})->gold_logprob_sum, full->gold_logprob_sum);
}

TEST_F(EvaluatorsTest, Gsm8kStoppingEarlyEqualsGeneratingTheWholeBudget) {
  Gsm8kOptions options;
  options.path = dir_->Sub("gsm8k_test.jsonl");
  options.shots_path = dir_->Sub("gsm8k_train.jsonl");
  options.num_shots = 2;
  options.max_new_tokens = 20;
  options.stop_early = true;
  auto chunked = Gsm8kEvaluator::Create(engine_, options);
  ASSERT_TRUE(chunked.ok()) << chunked.status();
  auto full = (*chunked)->Evaluate(AllKept(), {});
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->strict.n, 2);
  EXPECT_EQ(full->flexible.n, 2);
  ExpectInUnitRange(full->strict);
  ExpectInUnitRange(full->flexible);
  ASSERT_EQ(full->outputs.size(), 2u);
  for (const std::string& output : full->outputs)
    EXPECT_THAT(output, ::testing::Not(HasSubstr("Question:")));

  options.stop_early = false;
  auto at_once = Gsm8kEvaluator::Create(engine_, options);
  ASSERT_TRUE(at_once.ok());
  EXPECT_EQ((*at_once)->Evaluate(AllKept(), {})->outputs, full->outputs);
  EXPECT_EQ((*chunked)->Evaluate(AllKept(), {})->outputs, full->outputs);
  EXPECT_NE((*chunked)->Evaluate(WithoutBlock1(), {})->outputs, full->outputs);

  options.shots_path.clear();
  EXPECT_EQ(Gsm8kEvaluator::Create(engine_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.shots_path = dir_->Sub("gsm8k_train.jsonl");
  options.num_shots = 5;  // the file has 2
  EXPECT_THAT(Gsm8kEvaluator::Create(engine_, options).status().message(),
              HasSubstr("has 2 usable rows; 5 shots requested"));
}

TEST_F(EvaluatorsTest, PerplexityOverTheHeldOutSplitMatchesTheEngineLoss) {
  PerplexityOptions options;
  options.path = dir_->Sub("calibration.jsonl");
  options.seq_len = 32;
  options.held_out_fraction = 0.3;
  options.seed = 3;
  options.batch_size = 2;
  auto ppl = PerplexityEvaluator::Create(engine_, options);
  ASSERT_TRUE(ppl.ok()) << ppl.status();
  auto docs = LoadDocuments(options.path);
  auto packed = PackSequences(engine_->tokenizer(), *docs, 32, 0);
  ASSERT_TRUE(packed.ok());
  const size_t held = (*ppl)->held_out().size();
  EXPECT_EQ(held, static_cast<size_t>(std::lround(0.3 * packed->size())));
  EXPECT_EQ(held + (*ppl)->calibration().size(), packed->size());

  auto result = (*ppl)->Evaluate(AllKept(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  auto loss = engine_->Loss((*ppl)->held_out(), AllKept(), {});
  ASSERT_TRUE(loss.ok());
  EXPECT_EQ(result->sequences, static_cast<int64_t>(held));
  EXPECT_EQ(result->tokens, loss->tokens);
  EXPECT_NEAR(result->mean_nll, loss->mean_nll(), 1e-6);
  EXPECT_NEAR(result->corpus_perplexity, std::exp(loss->mean_nll()),
              1e-6 * result->corpus_perplexity);
  double mean = 0;
  for (size_t s = 0; s < held; ++s) {
    mean += std::exp(loss->sequence_nll[s] / loss->sequence_tokens[s]) / held;
  }
  EXPECT_NEAR(result->mean_sequence_perplexity, mean, 1e-6 * mean);
  // Equal-length sequences: the mean of exponentials is at least the exponential of the mean.
  EXPECT_GE(result->mean_sequence_perplexity, result->corpus_perplexity * (1 - 1e-12));
  EXPECT_EQ((*ppl)->Evaluate(AllKept(), {})->mean_nll, result->mean_nll);
  EXPECT_NE((*ppl)->Evaluate(WithoutBlock1(), {})->mean_nll, result->mean_nll);
}

// Sums over [0, 1), [1, 3), [3, end) and past the end, added up.
template <typename Evaluator>
TaskSums ShardedSums(const Evaluator& evaluator, const UnitMask& mask) {
  TaskSums total;
  for (const ItemRange range :
       {ItemRange{0, 1}, ItemRange{1, 2}, ItemRange{3, -1}, ItemRange{1000, 5}}) {
    auto sums = evaluator.Sums(range, mask, {});
    EXPECT_TRUE(sums.ok()) << sums.status();
    if (!sums.ok()) return total;
    total.items += sums->items;
    total.correct += sums->correct;
    total.correct_alt += sums->correct_alt;
    total.gold_logprob_sum += sums->gold_logprob_sum;
    total.nll_sum += sums->nll_sum;
    total.tokens += sums->tokens;
    total.sequence_perplexity_sum += sums->sequence_perplexity_sum;
    total.sequences += sums->sequences;
    total.input_tokens += sums->input_tokens;
  }
  return total;
}

void ExpectSameSums(const TaskSums& got, const TaskSums& want) {
  EXPECT_EQ(got.items, want.items);
  EXPECT_EQ(got.correct, want.correct);
  EXPECT_EQ(got.correct_alt, want.correct_alt);
  EXPECT_NEAR(got.gold_logprob_sum, want.gold_logprob_sum, 1e-9 * std::abs(want.gold_logprob_sum));
  EXPECT_NEAR(got.nll_sum, want.nll_sum, 1e-9 * want.nll_sum);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_NEAR(got.sequence_perplexity_sum, want.sequence_perplexity_sum,
              1e-9 * want.sequence_perplexity_sum);
  EXPECT_EQ(got.sequences, want.sequences);
  EXPECT_EQ(got.input_tokens, want.input_tokens);
}

TEST_F(EvaluatorsTest, ShardSumsAddUpToTheWholeAndMatchEvaluate) {
  MmluOptions mmlu_options;
  mmlu_options.dir = dir_->Sub("mmlu");
  auto mmlu = MmluEvaluator::Create(engine_, mmlu_options);
  ASSERT_TRUE(mmlu.ok()) << mmlu.status();
  auto mmlu_whole = (*mmlu)->Sums({}, WithoutBlock1(), {});
  ASSERT_TRUE(mmlu_whole.ok()) << mmlu_whole.status();
  EXPECT_EQ(mmlu_whole->items, 6);
  EXPECT_EQ(mmlu_whole->correct, (*mmlu)->Evaluate(WithoutBlock1(), {})->pooled.correct);
  // Every question shares its subject's 5-shot prefix (~300 byte-level tokens).
  EXPECT_GT(mmlu_whole->input_tokens, 6 * 300);
  ExpectSameSums(ShardedSums(**mmlu, WithoutBlock1()), *mmlu_whole);

  auto arc = ArcEvaluator::Create(engine_, {.path = dir_->Sub("arc.jsonl")});
  ASSERT_TRUE(arc.ok());
  auto arc_whole = (*arc)->Sums({}, AllKept(), {});
  ASSERT_TRUE(arc_whole.ok()) << arc_whole.status();
  auto arc_result = (*arc)->Evaluate(AllKept(), {});
  EXPECT_EQ(arc_whole->correct, arc_result->acc.correct);
  EXPECT_EQ(arc_whole->correct_alt, arc_result->acc_norm.correct);
  ExpectSameSums(ShardedSums(**arc, AllKept()), *arc_whole);

  auto boolq = BoolqEvaluator::Create(engine_, {.path = dir_->Sub("boolq.jsonl")});
  ASSERT_TRUE(boolq.ok());
  auto boolq_whole = (*boolq)->Sums({}, AllKept(), {});
  ASSERT_TRUE(boolq_whole.ok());
  EXPECT_EQ(boolq_whole->items, 2);
  ExpectSameSums(ShardedSums(**boolq, AllKept()), *boolq_whole);

  Gsm8kOptions gsm8k_options;
  gsm8k_options.path = dir_->Sub("gsm8k_test.jsonl");
  gsm8k_options.shots_path = dir_->Sub("gsm8k_train.jsonl");
  gsm8k_options.num_shots = 2;
  gsm8k_options.max_new_tokens = 8;
  auto gsm8k = Gsm8kEvaluator::Create(engine_, gsm8k_options);
  ASSERT_TRUE(gsm8k.ok());
  auto gsm8k_whole = (*gsm8k)->Sums({}, AllKept(), {});
  ASSERT_TRUE(gsm8k_whole.ok());
  EXPECT_EQ(gsm8k_whole->items, 2);
  ExpectSameSums(ShardedSums(**gsm8k, AllKept()), *gsm8k_whole);

  PerplexityOptions ppl_options;
  ppl_options.path = dir_->Sub("calibration.jsonl");
  ppl_options.seq_len = 32;
  ppl_options.held_out_fraction = 0.5;
  ppl_options.batch_size = 2;
  auto ppl = PerplexityEvaluator::Create(engine_, ppl_options);
  ASSERT_TRUE(ppl.ok());
  auto ppl_whole = (*ppl)->Sums({}, AllKept(), {});
  ASSERT_TRUE(ppl_whole.ok());
  auto ppl_result = (*ppl)->Evaluate(AllKept(), {});
  EXPECT_EQ(ppl_whole->sequences, ppl_result->sequences);
  EXPECT_GE(ppl_whole->sequences, 4);
  EXPECT_NEAR(ppl_whole->nll_sum / ppl_whole->tokens, ppl_result->mean_nll, 1e-12);
  ExpectSameSums(ShardedSums(**ppl, AllKept()), *ppl_whole);

  EXPECT_EQ((*arc)->Sums({-1, 2}, AllKept(), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace depthlab::engine::tasks
