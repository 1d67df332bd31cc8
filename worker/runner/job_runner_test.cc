// JobRunner end to end on a small random model and tiny data files written here: profile sums
// equal a direct Engine::Statistics, shards add up to the whole for every value kind and task,
// masks are validated, stops cancel, and switching models reloads.
#include "worker/runner/job_runner.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/tasks/task_data.h"
#include "common/testing/temp_dir.h"
#include "worker/engine/corpus.h"
#include "worker/engine/random_model.h"

namespace depthlab::worker::runner {
namespace {

using ::testing::HasSubstr;

constexpr int kLayers = 3;
constexpr char kAll[] = "111111";
constexpr char kWithoutBlock1[] = "110011";
constexpr char kNone[] = "000000";  // embeddings and head only

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string ArcLine(int i) {
  return absl::StrCat(
      R"({"id": ")", i, R"(", "question": {"stem": "Which is hot )", i,
      R"(?", "choices": [{"text": "ice", "label": "A"}, {"text": "fire", "label": "B"}, {"text": "snow )",
      i, R"(", "label": "C"}]}, "answerKey": "B"})", "\n");
}

class JobRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::depthlab::testing::TempDir();
    for (uint64_t seed : {5, 6}) {
      engine::RandomModelOptions o;
      o.config.num_hidden_layers = kLayers;
      o.seed = seed;
      ASSERT_TRUE(engine::WriteRandomModel(dir_->Sub(absl::StrCat("model", seed)), o).ok());
    }
    std::string calibration;
    for (int d = 0; d < 16; ++d) {
      absl::StrAppend(&calibration, R"({"text": "Document )", d,
                      R"( is about rivers, hills and the weather in the north."})", "\n");
    }
    Write(dir_->Sub("calibration.jsonl"), calibration);
    for (const char* subject : {"alpha", "beta"}) {
      std::string dev, test;
      for (int i = 0; i < 5; ++i)
        absl::StrAppend(&dev, "Q", i, "?,a,b,c,d,", std::string(1, "ABCD"[i % 4]), "\n");
      for (int i = 0; i < 3; ++i) absl::StrAppend(&test, "Is ", i, " odd?,w,x,y,z,B\n");
      Write(dir_->Sub(absl::StrCat("mmlu/dev/", subject, "_dev.csv")), dev);
      Write(dir_->Sub(absl::StrCat("mmlu/test/", subject, "_test.csv")), test);
    }
    std::string arc, boolq, gsm8k_train, gsm8k_test;
    for (int i = 0; i < 5; ++i) {
      arc += ArcLine(i);
      absl::StrAppend(&boolq, R"({"question": "is it wet )", i, R"(", "title": "T", "answer": )",
                      i % 2 ? "true" : "false", R"(, "passage": "Rain fell )", i, R"( times."})",
                      "\n");
      absl::StrAppend(&gsm8k_train, R"({"question": ")", i, R"( + 1?", "answer": ")", i,
                      " + 1 = ", i + 1, R"(\n#### )", i + 1, R"("})", "\n");
    }
    for (int i = 0; i < 3; ++i) {
      absl::StrAppend(&gsm8k_test, R"({"question": ")", i, R"( + 2?", "answer": "#### )", i + 2,
                      R"("})", "\n");
    }
    Write(dir_->Sub("arc.jsonl"), arc);
    Write(dir_->Sub("boolq.jsonl"), boolq);
    Write(dir_->Sub("gsm8k/train.jsonl"), gsm8k_train);
    Write(dir_->Sub("gsm8k/test.jsonl"), gsm8k_test);
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    auto runner = JobRunner::Create({.device = "cpu", .num_threads = 1, .max_batch = 4});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = std::move(*runner);
  }

  static v1::JobSpec CalibrationJob(v1::JobKind kind, int first, int count) {
    v1::JobSpec spec;
    spec.set_kind(kind);
    spec.set_model_path(dir_->Sub("model5"));
    spec.set_model_hash("hash5");
    v1::CalibrationShard* shard = spec.mutable_calibration();
    shard->mutable_calibration()->set_path(dir_->Sub("calibration.jsonl"));
    shard->mutable_calibration()->set_seq_len(16);
    shard->mutable_calibration()->set_seed(3);
    shard->set_first_sequence(first);
    shard->set_num_sequences(count);
    return spec;
  }

  static v1::JobSpec TaskJob(v1::TaskKind kind, const std::string& path, int first, int count) {
    v1::JobSpec spec;
    spec.set_kind(v1::JOB_KIND_TASK_SHARD);
    spec.set_model_path(dir_->Sub("model5"));
    spec.mutable_task()->mutable_task()->set_kind(kind);
    spec.mutable_task()->mutable_task()->set_path(dir_->Sub(path));
    spec.mutable_task()->mutable_task()->set_max_new_tokens(6);
    spec.mutable_task()->set_first_item(first);
    spec.mutable_task()->set_num_items(count);
    for (const char* mask : {kAll, kWithoutBlock1}) spec.add_masks(mask);
    return spec;
  }

  absl::StatusOr<v1::JobResult> Run(const v1::JobSpec& spec) {
    return runner_->Run(spec, [] { return false; });
  }

  // The calibration split of the test file, computed here independently of the runner.
  static engine::TokenSequences CalibrationSequences(const engine::Engine& engine) {
    auto docs = engine::LoadDocuments(dir_->Sub("calibration.jsonl"));
    auto packed = engine::PackSequences(engine.tokenizer(), *docs, 16, 0);
    auto split = tasks::SplitHeldOut(static_cast<int>(packed->size()), 0.5, 3);
    engine::TokenSequences out;
    for (int i : split->calibration) out.push_back((*packed)[i]);
    return out;
  }

  static ::depthlab::testing::TempDir* dir_;
  std::unique_ptr<JobRunner> runner_;
};

::depthlab::testing::TempDir* JobRunnerTest::dir_ = nullptr;

void ExpectNearRelative(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << what;
}

TEST_F(JobRunnerTest, ProfileSumsEqualADirectStatisticsPass) {
  auto result = Run(CalibrationJob(v1::JOB_KIND_PROFILE, 1, 4));
  ASSERT_TRUE(result.ok()) << result.status();
  auto engine = engine::Engine::Create(
      {.model_dir = dir_->Sub("model5"), .device = "cpu", .num_threads = 1, .max_batch = 4});
  ASSERT_TRUE(engine.ok());
  const engine::TokenSequences all = CalibrationSequences(**engine);
  ASSERT_GE(all.size(), 5u);
  auto stats = (*engine)->Statistics(engine::TokenSequences(all.begin() + 1, all.begin() + 5),
                                     engine::UnitMask::AllKept(kLayers));
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(result->sublayer_sums_size(), 2 * kLayers);
  ASSERT_EQ(result->block_sums_size(), kLayers);
  for (int u = 0; u < 2 * kLayers; ++u) {
    const v1::UnitSums& got = result->sublayer_sums(u);
    EXPECT_EQ(got.tokens(), 4 * 16);
    ExpectNearRelative(got.cosine_sum(), stats->sublayers[u].cosine_sum, "cosine");
    ExpectNearRelative(got.relative_l1_sum(), stats->sublayers[u].rel_l1_sum, "l1");
    ExpectNearRelative(got.relative_l2_sum(), stats->sublayers[u].rel_l2_sum, "l2");
  }
  ExpectNearRelative(result->block_sums(2).cosine_sum(), stats->blocks[2].cosine_sum, "block");
  EXPECT_EQ(result->unit_forwards(), 4 * 2 * kLayers);
  EXPECT_EQ(result->tokens(), 4 * 16);
  EXPECT_GT(result->seconds(), 0);
}

TEST_F(JobRunnerTest, LossAndDistanceShardsAddUpToTheWhole) {
  for (v1::ValueKind kind : {v1::VALUE_KIND_LOSS, v1::VALUE_KIND_LOGIT_DISTANCE}) {
    auto job = [&](int first, int count) {
      v1::JobSpec spec = CalibrationJob(v1::JOB_KIND_COALITIONS, first, count);
      spec.set_value_kind(kind);
      for (const char* mask : {kAll, kWithoutBlock1, kNone}) spec.add_masks(mask);
      return spec;
    };
    // Batches of 4 are aligned to the list, so the shards cut one; the whole does not.
    auto whole = Run(job(0, 8));
    auto first = Run(job(0, 3));
    auto second = Run(job(3, 5));
    auto beyond = Run(job(400, 4));  // past the end: empty
    ASSERT_TRUE(whole.ok() && first.ok() && second.ok() && beyond.ok()) << whole.status();
    ASSERT_EQ(whole->values_size(), 3);
    for (int m = 0; m < 3; ++m) {
      EXPECT_EQ(whole->values(m).mask(), second->values(m).mask());
      EXPECT_EQ(whole->values(m).count(), first->values(m).count() + second->values(m).count());
      EXPECT_EQ(beyond->values(m).count(), 0);
      ExpectNearRelative(first->values(m).sum() + second->values(m).sum(), whole->values(m).sum(),
                         v1::ValueKind_Name(kind));
    }
    const int64_t positions = kind == v1::VALUE_KIND_LOSS ? 8 * 15 : 8 * 16;
    EXPECT_EQ(whole->values(0).count(), positions);
    if (kind == v1::VALUE_KIND_LOGIT_DISTANCE) {
      EXPECT_EQ(whole->values(0).sum(), 0);  // the full model against itself
      EXPECT_GT(whole->values(2).sum(), whole->values(1).sum());
    }
    EXPECT_GT(whole->values(2).sum(), 0);
    // Prefix reuse: the full model (and the distances' full-model reference, the same leaf) and
    // block 1's removal share units 0-1, then run 4 and 2 units: 8 per sequence, not 6 + 4 (+ 6).
    const int64_t kept = 2 + 4 + 2;
    EXPECT_EQ(whole->unit_forwards(), 8 * kept);
    EXPECT_EQ(first->unit_forwards(), 4 * kept);  // the cut batch runs whole
    // Each mask alone: the same values, bit for bit, for more unit forwards.
    auto alone_runner = JobRunner::Create(
        {.device = "cpu", .num_threads = 1, .max_batch = 4, .prefix_reuse = false});
    ASSERT_TRUE(alone_runner.ok());
    auto alone = (*alone_runner)->Run(job(0, 8), [] { return false; });
    ASSERT_TRUE(alone.ok()) << alone.status();
    for (int m = 0; m < 3; ++m) EXPECT_EQ(alone->values(m).sum(), whole->values(m).sum());
    EXPECT_EQ(alone->unit_forwards(),
              8 * (6 + 4 + 0 + (kind == v1::VALUE_KIND_LOGIT_DISTANCE ? 6 : 0)));
    EXPECT_EQ(whole->tokens(), 8 * 16 * (kind == v1::VALUE_KIND_LOSS ? 3 : 4));
  }
}

void ExpectTaskSumsAddUp(const v1::JobResult& first, const v1::JobResult& second,
                         const v1::JobResult& whole, const std::string& what) {
  ASSERT_EQ(whole.values_size(), 2) << what;
  for (int m = 0; m < 2; ++m) {
    const v1::TaskSums& a = first.values(m).task();
    const v1::TaskSums& b = second.values(m).task();
    const v1::TaskSums& w = whole.values(m).task();
    EXPECT_EQ(a.items() + b.items(), w.items()) << what;
    EXPECT_EQ(a.correct() + b.correct(), w.correct()) << what;
    EXPECT_EQ(a.correct_alt() + b.correct_alt(), w.correct_alt()) << what;
    EXPECT_EQ(a.tokens() + b.tokens(), w.tokens()) << what;
    EXPECT_EQ(a.sequences() + b.sequences(), w.sequences()) << what;
    ExpectNearRelative(a.nll_sum() + b.nll_sum(), w.nll_sum(), what);
    ExpectNearRelative(a.sequence_perplexity_sum() + b.sequence_perplexity_sum(),
                       w.sequence_perplexity_sum(), what);
    EXPECT_EQ(first.values(m).count() + second.values(m).count(), whole.values(m).count()) << what;
  }
}

TEST_F(JobRunnerTest, TaskShardsAddUpToTheWholeForEveryTask) {
  struct Case {
    v1::TaskKind kind;
    std::string path;
    int64_t items;
  };
  for (const Case& c :
       {Case{v1::TASK_KIND_MMLU, "mmlu", 6}, Case{v1::TASK_KIND_ARC, "arc.jsonl", 5},
        Case{v1::TASK_KIND_BOOLQ, "boolq.jsonl", 5},
        Case{v1::TASK_KIND_GSM8K, "gsm8k/test.jsonl", 3},
        Case{v1::TASK_KIND_PERPLEXITY, "calibration.jsonl", 0}}) {
    const std::string what = v1::TaskKind_Name(c.kind);
    // MMLU's first shard ends inside a subject, so its prefix batches differ from the whole's.
    auto whole = Run(TaskJob(c.kind, c.path, 0, 1000));
    auto first = Run(TaskJob(c.kind, c.path, 0, 2));
    auto second = Run(TaskJob(c.kind, c.path, 2, 1000));
    ASSERT_TRUE(whole.ok()) << what << ": " << whole.status();
    ASSERT_TRUE(first.ok() && second.ok()) << what << ": " << first.status() << second.status();
    ExpectTaskSumsAddUp(*first, *second, *whole, what);
    const v1::TaskSums& full = whole->values(0).task();
    if (c.kind == v1::TASK_KIND_PERPLEXITY) {
      EXPECT_GE(full.sequences(), 3) << what;
      EXPECT_EQ(full.tokens(), full.sequences() * 127) << what;  // seq_len 128 by default
      EXPECT_EQ(whole->values(0).sum(), full.nll_sum());
    } else {
      EXPECT_EQ(full.items(), c.items) << what;
      EXPECT_LE(full.correct(), full.items()) << what;
      EXPECT_EQ(whole->values(0).sum(), full.correct());
      EXPECT_EQ(whole->values(0).count(), c.items);
    }
    EXPECT_EQ(whole->unit_forwards(), full.items() * (6 + 4)) << what;
    EXPECT_GT(whole->tokens(), 0) << what;
  }
}

TEST_F(JobRunnerTest, TaskValuedCoalitionsEqualTaskShardsAndLimitAppliesBeforeSharding) {
  v1::JobSpec shard = TaskJob(v1::TASK_KIND_ARC, "arc.jsonl", 1, 10);
  shard.mutable_task()->mutable_task()->set_limit(3);
  v1::JobSpec coalitions = shard;
  coalitions.set_kind(v1::JOB_KIND_COALITIONS);
  coalitions.set_value_kind(v1::VALUE_KIND_TASK);
  auto a = Run(shard);
  auto b = Run(coalitions);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  EXPECT_EQ(a->values(1).task().items(), 2);  // items 1 and 2 of the first 3
  EXPECT_EQ(a->values(1).task().correct(), b->values(1).task().correct());
  EXPECT_EQ(a->values(1).task().correct_alt(), b->values(1).task().correct_alt());
}

TEST_F(JobRunnerTest, PerplexityUsesTheJobsCalibrationPackingForTheSameFile) {
  v1::JobSpec spec = TaskJob(v1::TASK_KIND_PERPLEXITY, "calibration.jsonl", 0, 1000);
  *spec.mutable_calibration() = CalibrationJob(v1::JOB_KIND_PROFILE, 0, 0).calibration();
  auto result = Run(spec);
  ASSERT_TRUE(result.ok()) << result.status();
  auto engine = engine::Engine::Create({.model_dir = dir_->Sub("model5"), .device = "cpu"});
  auto docs = engine::LoadDocuments(dir_->Sub("calibration.jsonl"));
  auto packed = engine::PackSequences((*engine)->tokenizer(), *docs, 16, 0);
  auto split = tasks::SplitHeldOut(static_cast<int>(packed->size()), 0.5, 3);
  engine::TokenSequences held_out;
  for (int i : split->held_out) held_out.push_back((*packed)[i]);
  auto loss = (*engine)->Loss(held_out, engine::UnitMask::AllKept(kLayers), {});
  ASSERT_TRUE(loss.ok());
  EXPECT_EQ(result->values(0).task().sequences(), static_cast<int64_t>(held_out.size()));
  EXPECT_EQ(result->values(0).task().tokens(), loss->tokens);
  EXPECT_NEAR(result->values(0).task().nll_sum(), loss->nll_sum, 1e-6 * loss->nll_sum);
}

TEST_F(JobRunnerTest, BadSpecsAreRejectedWithCodesThatSayWhetherToRetry) {
  v1::JobSpec spec = CalibrationJob(v1::JOB_KIND_COALITIONS, 0, 2);
  spec.set_value_kind(v1::VALUE_KIND_LOSS);
  spec.add_masks(kAll);
  spec.add_masks("11011");
  absl::Status s = Run(spec).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("masks[1]: '11011' has 5 characters; the model has 6 units"));
  spec.set_masks(1, "11x111");
  EXPECT_THAT(Run(spec).status().message(), HasSubstr("masks[1]: character 2 is 'x'"));

  v1::JobSpec no_value = CalibrationJob(v1::JOB_KIND_COALITIONS, 0, 2);
  EXPECT_THAT(Run(no_value).status().message(), HasSubstr("job.value_kind"));
  EXPECT_EQ(Run(v1::JobSpec()).status().code(), absl::StatusCode::kInvalidArgument);
  v1::JobSpec no_task = TaskJob(v1::TASK_KIND_UNSPECIFIED, "arc.jsonl", 0, 1);
  EXPECT_THAT(Run(no_task).status().message(), HasSubstr("task.kind"));
  v1::JobSpec negative = TaskJob(v1::TASK_KIND_ARC, "arc.jsonl", -1, 1);
  EXPECT_EQ(Run(negative).status().code(), absl::StatusCode::kInvalidArgument);

  const absl::Status missing = Run(TaskJob(v1::TASK_KIND_ARC, "nope.jsonl", 0, 1)).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_FALSE(IsRetryableJobError(missing));
  v1::JobSpec no_model = spec;
  no_model.set_model_path(dir_->Sub("no-model"));
  EXPECT_FALSE(IsRetryableJobError(Run(no_model).status()));
  EXPECT_TRUE(IsRetryableJobError(absl::ResourceExhaustedError("out of device memory")));
  EXPECT_TRUE(IsRetryableJobError(absl::InternalError("libtorch: ...")));
}

TEST_F(JobRunnerTest, AStopRequestCancelsTheJob) {
  // Two batches of 4 sequences; the job checks before each (all of its masks run per batch).
  v1::JobSpec spec = CalibrationJob(v1::JOB_KIND_COALITIONS, 0, 8);
  spec.set_value_kind(v1::VALUE_KIND_LOSS);
  for (int i = 0; i < 3; ++i) spec.add_masks(kAll);
  int polls = 0;
  auto result = runner_->Run(spec, [&] { return ++polls > 1; });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(polls, 2);
}

TEST_F(JobRunnerTest, SwitchingModelsReloadsAndCountsLoads) {
  EXPECT_TRUE(runner_->HeldModelHashes().empty());
  EXPECT_EQ(runner_->model_loads(), 0);
  v1::JobSpec a = CalibrationJob(v1::JOB_KIND_PROFILE, 0, 1);
  v1::JobSpec b = a;
  b.set_model_path(dir_->Sub("model6"));
  b.set_model_hash("hash6");
  auto first = Run(a);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(Run(a).ok());
  EXPECT_EQ(runner_->model_loads(), 1);
  EXPECT_EQ(runner_->HeldModelHashes(), std::vector<std::string>{"hash5"});
  EXPECT_THAT(runner_->device(), HasSubstr("cpu float32"));
  auto other = Run(b);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(runner_->model_loads(), 2);
  EXPECT_EQ(runner_->HeldModelHashes(), std::vector<std::string>{"hash6"});
  EXPECT_NE(other->sublayer_sums(0).cosine_sum(), first->sublayer_sums(0).cosine_sum());
  auto again = Run(a);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(runner_->model_loads(), 3);
  EXPECT_EQ(again->sublayer_sums(0).cosine_sum(), first->sublayer_sums(0).cosine_sum());
}

TEST_F(JobRunnerTest, MaxSequencesCutsTheCalibrationListBeforeSharding) {
  v1::JobSpec spec = CalibrationJob(v1::JOB_KIND_COALITIONS, 2, 10);
  spec.set_value_kind(v1::VALUE_KIND_LOSS);
  spec.add_masks(kAll);
  spec.mutable_calibration()->mutable_calibration()->set_max_sequences(3);
  auto result = Run(spec);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->values(0).count(), 1 * 15);  // only position 2 of the first 3
}

}  // namespace
}  // namespace depthlab::worker::runner
