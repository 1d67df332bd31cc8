#include "worker/engine/trainer.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "worker/engine/engine.h"
#include "worker/engine/random_model.h"
#include "worker/engine/weights.h"

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

// With document_mask, attention stays within each document of a window (the mask itself is
// checked in decoder_test): the same batches give another loss, and the model still learns.
TEST_F(TrainerTest, ADocumentMaskedRunLearnsAndDiffersFromTheUnmaskedOne) {
  TempDir plain, masked;
  std::vector<TrainProgress> unmasked_seen, masked_seen;
  ASSERT_TRUE(Train(Options(plain.path(), 80), [&](const TrainProgress& p) {
                unmasked_seen.push_back(p);
              }).ok());
  TrainerOptions o = Options(masked.path(), 80);
  o.document_mask = true;
  ASSERT_TRUE(Train(o, [&](const TrainProgress& p) { masked_seen.push_back(p); }).ok());
  ASSERT_EQ(masked_seen.size(), 80u);
  EXPECT_NE(masked_seen.front().loss, unmasked_seen.front().loss);
  EXPECT_GT(masked_seen.front().loss, 5.0);
  EXPECT_LT(masked_seen.back().eval_loss, 1.2);
}

// A curriculum: the first warm_steps steps train on the warm corpus, as a run on that corpus
// alone would (same batches, same learning rates), and the rest on the main corpus.
TEST_F(TrainerTest, WarmStepsTrainOnTheWarmCorpusFirst) {
  {
    std::ofstream warm(tok_.Sub("warm.jsonl"));
    for (int i = 0; i < 40; ++i) {
      warm << R"({"text": "one two three four five six seven )" << i % 5 << R"( eight nine."})"
           << "\n";
    }
  }
  const auto losses = [](const TrainerOptions& o) {
    std::vector<double> seen;
    const absl::Status s = Train(o, [&](const TrainProgress& p) { seen.push_back(p.loss); });
    EXPECT_TRUE(s.ok()) << s;
    return seen;
  };
  TempDir warm_only, curriculum, plain, warm_as_main;
  TrainerOptions o = Options(warm_only.path(), 6);
  o.warm_corpus = tok_.Sub("warm.jsonl");
  o.warm_steps = 6;
  const std::vector<double> all_warm = losses(o);
  o = Options(warm_as_main.path(), 6);
  o.corpus = tok_.Sub("warm.jsonl");
  EXPECT_EQ(losses(o), all_warm);
  EXPECT_EQ(ReadFile(warm_only.Sub("model.safetensors")),
            ReadFile(warm_as_main.Sub("model.safetensors")));

  o = Options(curriculum.path(), 6);
  o.warm_corpus = tok_.Sub("warm.jsonl");
  o.warm_steps = 3;
  const std::vector<double> mixed = losses(o);
  const std::vector<double> main_only = losses(Options(plain.path(), 6));
  ASSERT_EQ(mixed.size(), 6u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(mixed[i], all_warm[i]) << "step " << i + 1;
  for (int i = 3; i < 6; ++i) EXPECT_NE(mixed[i], all_warm[i]) << "step " << i + 1;
  EXPECT_NE(mixed[0], main_only[0]);
}

// warm_restart: the linear warm-up, the peak held through the warm phase, then one cosine from
// the peak to the floor over the main steps only. Expected rates written out by hand for
// warmup 2, warm 4 of 10 steps, peak 1e-2, floor 1e-3.
TEST_F(TrainerTest, WarmRestartHoldsThePeakThenDecaysOverTheMainSteps) {
  {
    std::ofstream warm(tok_.Sub("warm.jsonl"));
    for (int i = 0; i < 40; ++i)
      warm << R"({"text": "one two three four five six seven."})"
           << "\n";
  }
  TempDir out, plain;
  TrainerOptions o = Options(out.path(), 10);
  o.warmup_steps = 2;
  o.warm_corpus = tok_.Sub("warm.jsonl");
  o.warm_steps = 4;
  o.warm_restart = true;
  std::vector<double> rates;
  ASSERT_TRUE(Train(o, [&](const TrainProgress& p) { rates.push_back(p.learning_rate); }).ok());
  // cos(pi k / 6) for k = 1..5: sqrt(3)/2, 1/2, 0, -1/2, -sqrt(3)/2.
  const double c = 4.5e-3, r3 = std::sqrt(3.0) / 2;
  const std::vector<double> want = {5e-3,           1e-2,
                                    1e-2,           1e-2,
                                    1e-2,           1e-3 + c * (1 + r3),
                                    1e-3 + c * 1.5, 1e-3 + c,
                                    1e-3 + c * 0.5, 1e-3 + c * (1 - r3)};
  ASSERT_EQ(rates.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(rates[i], want[i], 1e-12) << "step " << i + 1;

  // Without it, one cosine over steps 3..10 has already left the peak at step 4.
  o = Options(plain.path(), 10);
  o.warmup_steps = 2;
  o.warm_corpus = tok_.Sub("warm.jsonl");
  o.warm_steps = 4;
  rates.clear();
  ASSERT_TRUE(Train(o, [&](const TrainProgress& p) { rates.push_back(p.learning_rate); }).ok());
  EXPECT_NEAR(rates[3], 1e-3 + c * (1 + std::cos(M_PI / 8)), 1e-12);
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
  o = Options(out.path(), 10);
  o.init = "xavier";
  const absl::Status init = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(init.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(init.message()), ::testing::HasSubstr("init must be normal or mimetic"));
  o = Options(out.path(), 10);
  o.warm_steps = 5;  // without a warm corpus
  const absl::Status warm = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(warm.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(warm.message()), ::testing::HasSubstr("warm_corpus and warm_steps"));
  o.warm_corpus = "/nonexistent.jsonl";
  EXPECT_EQ(Train(o, [](const TrainProgress&) {}).code(), absl::StatusCode::kNotFound);
  o = Options(out.path(), 10);
  o.warm_restart = true;  // with nothing to restart after
  const absl::Status restart = Train(o, [](const TrainProgress&) {});
  EXPECT_EQ(restart.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(restart.message()), ::testing::HasSubstr("warm_restart needs"));
}

// Mean attention score (q . k / sqrt(head_dim)) of a token against itself, before RoPE, over
// random inputs of unit RMS: trace(Wq_h^T Wk_g) / sqrt(head_dim) for each query head h.
std::vector<double> SelfScores(const std::string& model_dir, int layer) {
  auto config = ModelConfig::FromFile(model_dir + "/config.json");
  EXPECT_TRUE(config.ok());
  auto weights = LoadWeights(model_dir, *config, at::kFloat, at::kCPU);
  EXPECT_TRUE(weights.ok()) << weights.status();
  const LayerWeights& w = weights->layers[layer];
  const int64_t hd = config->head_dim;
  const int64_t rep = config->num_attention_heads / config->num_key_value_heads;
  std::vector<double> out;
  for (int64_t h = 0; h < config->num_attention_heads; ++h) {
    const at::Tensor q = w.q_proj.narrow(0, h * hd, hd), k = w.k_proj.narrow(0, h / rep * hd, hd);
    out.push_back(at::trace(at::matmul(q.t(), k)).item<double>() / std::sqrt(double(hd)));
  }
  return out;
}

// Mimetic initialisation: every head's query-key product is near 0.7 s^2 times the identity on its
// subspace, with s chosen so that a token scores 3 against itself (0.7 * hd * s^2 / sqrt(hd) = 3;
// the random part adds about +-0.3 at head_dim 8). The normal initialisation scores near 0.
TEST_F(TrainerTest, MimeticInitialisationMakesTokensAttendToThemselves) {
  TempDir normal, mimetic;
  TrainerOptions o = Options(normal.path(), 1);
  o.learning_rate = o.min_learning_rate = 1e-9;  // one step that changes nothing visible
  ASSERT_TRUE(Train(o, [](const TrainProgress&) {}).ok());
  o.out_dir = mimetic.path();
  o.init = "mimetic";
  ASSERT_TRUE(Train(o, [](const TrainProgress&) {}).ok());
  for (int layer = 0; layer < 2; ++layer) {
    for (double score : SelfScores(mimetic.path(), layer)) EXPECT_NEAR(score, 3.0, 1.0);
    for (double score : SelfScores(normal.path(), layer)) EXPECT_NEAR(score, 0.0, 0.1);
  }
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
