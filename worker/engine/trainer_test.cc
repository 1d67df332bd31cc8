#include "worker/engine/trainer.h"

#include <ATen/Context.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "worker/engine/engine.h"
#include "worker/engine/random_model.h"

namespace depthlab::engine {
namespace {

using ::depthlab::testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteByteLevelTokenizer(tok_.path()).ok());
    std::ofstream corpus(tok_.Sub("corpus.jsonl"));
    for (int i = 0; i < 40; ++i) {
      corpus << R"({"text": "the cat sat on the mat. the dog sat on the log. )" << i % 7
             << R"( cats and dogs."})"
             << "\n";
    }
  }

  TrainerOptions Options(const std::string& out, int steps) const {
    TrainerOptions o;
    o.corpus = tok_.Sub("corpus.jsonl");
    o.eval_corpus = tok_.Sub("corpus.jsonl");
    o.out_dir = out;
    o.tokenizer_dir = tok_.path();
    o.config = DefaultTinyConfig();
    o.config.num_hidden_layers = 2;
    o.config.hidden_size = 32;
    o.config.intermediate_size = 64;
    o.config.num_attention_heads = 4;
    o.config.num_key_value_heads = 2;
    o.config.head_dim = 8;
    o.seq_len = 32;
    o.batch_size = 8;
    o.steps = steps;
    o.warmup_steps = 5;
    o.learning_rate = 1e-2;
    o.min_learning_rate = 1e-3;
    o.eval_every = steps;
    o.checkpoint_every = 1000;
    return o;
  }

  TempDir tok_;
};

TEST_F(TrainerTest, LossFallsAndTheExportedModelLoads) {
  TempDir out;
  std::vector<TrainProgress> seen;
  ASSERT_TRUE(
      Train(Options(out.path(), 80), [&](const TrainProgress& p) { seen.push_back(p); }).ok());
  ASSERT_EQ(seen.size(), 80u);
  EXPECT_GT(seen.front().loss, 5.0);      // ~ln(265) at initialisation
  EXPECT_LT(seen.back().eval_loss, 1.2);  // the corpus is highly repetitive
  EXPECT_EQ(seen.back().step, 80);

  auto engine = Engine::Create({.model_dir = out.path(), .device = "cpu"});
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_EQ((*engine)->config().num_hidden_layers, 2);
  EXPECT_EQ((*engine)->config().vocab_size, kByteLevelTokenizerSize);
  auto ids = (*engine)->tokenizer().Encode("the cat sat on the mat. the dog sat on the log.", true);
  ASSERT_TRUE(ids.ok());
  auto loss = (*engine)->Loss({*ids}, UnitMask::AllKept(2), {});
  ASSERT_TRUE(loss.ok());
  EXPECT_LT(loss->mean_nll(), 1.5);
  // The log has a header and one row per step.
  const std::string log = ReadFile(out.Sub("train_log.csv"));
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 81);
}

TEST_F(TrainerTest, InterruptedAndResumedRunEqualsUninterrupted) {
  TempDir straight, sliced;
  auto ignore = [](const TrainProgress&) {};
  ASSERT_TRUE(Train(Options(straight.path(), 20), ignore).ok());

  TrainerOptions first = Options(sliced.path(), 20);
  first.stop_at_step = 8;
  ASSERT_TRUE(Train(first, ignore).ok());
  EXPECT_FALSE(std::filesystem::exists(sliced.Sub("model.safetensors")));  // stopped, not exported
  bool resumed = false;
  ASSERT_TRUE(Train(Options(sliced.path(), 20), [&](const TrainProgress& p) {
                if (p.step == 9) resumed = p.resumed;
              }).ok());
  EXPECT_TRUE(resumed);
  EXPECT_EQ(ReadFile(straight.Sub("model.safetensors")), ReadFile(sliced.Sub("model.safetensors")));
}

TEST(AnswerWeightsTest, WeighTheTargetRightAfterEachOccurrenceOfThePattern) {
  // Inputs 5 9 7 | 5 9 | 5: the pattern (5, 9) ends at inputs 1 and 4, so targets 1 and 4 (the
  // tokens after it) weigh 8; a pattern cut by the window's start or end weighs nothing.
  EXPECT_EQ(AnswerWeights({5, 9, 7, 5, 9, 5}, {5, 9}, 8.0), (std::vector<float>{1, 8, 1, 1, 8, 1}));
  EXPECT_EQ(AnswerWeights({9, 7, 5}, {5, 9}, 8.0), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(AnswerWeights({5}, {5, 9}, 8.0), (std::vector<float>{1}));
}

TEST_F(TrainerTest, AnAnswerWeightNeedsAnswerLinesInTheCorpus) {
  TempDir out;
  TrainerOptions o = Options(out.path(), 2);
  o.answer_weight = 0;
  EXPECT_EQ(Train(o, [](const TrainProgress&) {}).code(), absl::StatusCode::kInvalidArgument);
  o.answer_weight = 4;  // the test corpus is prose about cats and dogs: no "Answer:" lines
  const absl::Status s = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("no \"Answer:\" lines"));
}

TEST_F(TrainerTest, BadOptionsAreInvalidArgument) {
  TempDir out;
  TrainerOptions o = Options(out.path(), 10);
  o.seq_len = 4;
  EXPECT_EQ(Train(o, [](const TrainProgress&) {}).code(), absl::StatusCode::kInvalidArgument);
  o = Options(out.path(), 10);
  o.corpus = "/nonexistent.jsonl";
  EXPECT_EQ(Train(o, [](const TrainProgress&) {}).code(), absl::StatusCode::kNotFound);
  o = Options(out.path(), 10);
  o.device = "tpu";
  const absl::Status s = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("device: unknown value 'tpu'"));
}

TEST_F(TrainerTest, CudaIsRefusedClearlyWithoutADevice) {
  if (at::hasCUDA()) GTEST_SKIP() << "this libtorch has a CUDA device";
  TempDir out;
  TrainerOptions o = Options(out.path(), 10);
  o.device = "cuda";
  const absl::Status s = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("use --device cpu"));
}

// The same run on CUDA follows the CPU run: both start from the same CPU initialisation and see
// the same batches, so their losses differ only by floating-point order.
TEST_F(TrainerTest, ACudaRunFollowsTheCpuRun) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  TempDir cpu_out, cuda_out;
  std::vector<double> cpu_loss, cuda_loss;
  TrainerOptions o = Options(cpu_out.path(), 20);
  ASSERT_TRUE(Train(o, [&](const TrainProgress& p) { cpu_loss.push_back(p.loss); }).ok());
  o = Options(cuda_out.path(), 20);
  o.device = "cuda";
  ASSERT_TRUE(Train(o, [&](const TrainProgress& p) { cuda_loss.push_back(p.loss); }).ok());
  ASSERT_EQ(cuda_loss.size(), cpu_loss.size());
  EXPECT_NEAR(cuda_loss.front(), cpu_loss.front(), 1e-3);
  EXPECT_NEAR(cuda_loss.back(), cpu_loss.back(), 2e-2);
  auto engine = Engine::Create({.model_dir = cuda_out.path(), .device = "cpu"});
  ASSERT_TRUE(engine.ok()) << engine.status();  // exported from the device, readable on CPU
}

}  // namespace
}  // namespace depthlab::engine
