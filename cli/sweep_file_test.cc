#include "cli/sweep_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace depthlab::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Repo(const std::string& relative) {
  return (fs::path(DEPTHLAB_SOURCE_DIR) / relative).lexically_normal().string();
}

std::string Write(const testing::TempDir& dir, const std::string& name,
                  const std::string& content) {
  const fs::path path = fs::path(dir.path()) / name;
  fs::create_directories(path.parent_path());
  std::ofstream(path) << content;
  return path.string();
}

bool Same(const v1::SweepSpec& a, const v1::SweepSpec& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// The InvalidArgument message of parsing `content` from `dir`/`name`.
std::string ErrorOf(const testing::TempDir& dir, const std::string& name,
                    const std::string& content) {
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(Write(dir, name, content));
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << spec.status();
  return {spec.status().message().begin(), spec.status().message().end()};
}

TEST(SweepFileTest, TinyBlockExampleParses) {
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(Repo("examples/tiny-block-sweep.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "tiny-block-sweep");
  EXPECT_EQ(spec->model(), Repo("models/tiny"));
  EXPECT_EQ(spec->calibration().path(), Repo("data/calibration/test.jsonl"));
  EXPECT_EQ(spec->calibration().seq_len(), 128);
  EXPECT_EQ(spec->calibration().max_sequences(), 32);
  EXPECT_EQ(spec->granularity(), v1::GRANULARITY_BLOCK);
  EXPECT_THAT(spec->metrics(),
              ::testing::ElementsAre(v1::METRIC_COSINE, v1::METRIC_RELATIVE_L1,
                                     v1::METRIC_RELATIVE_L2, v1::METRIC_LOSS_SHAPLEY));
  EXPECT_EQ(spec->shapley().estimator(), v1::ESTIMATOR_PAPER_LOO);
  ASSERT_EQ(spec->tasks_size(), 5);
  EXPECT_EQ(spec->tasks(0).kind(), v1::TASK_KIND_MMLU);
  EXPECT_EQ(spec->tasks(0).path(), Repo("data/mmlu"));
  EXPECT_EQ(spec->tasks(1).kind(), v1::TASK_KIND_ARC);
  EXPECT_EQ(spec->tasks(1).path(), Repo("data/arc/test.jsonl"));
  EXPECT_EQ(spec->tasks(2).kind(), v1::TASK_KIND_BOOLQ);
  EXPECT_EQ(spec->tasks(2).path(), Repo("data/boolq/test.jsonl"));
  EXPECT_EQ(spec->tasks(3).kind(), v1::TASK_KIND_GSM8K);
  EXPECT_EQ(spec->tasks(3).path(), Repo("data/gsm8k/test.jsonl"));
  EXPECT_EQ(spec->tasks(3).limit(), 40);
  EXPECT_EQ(spec->tasks(3).max_new_tokens(), 96);
  EXPECT_EQ(spec->tasks(4).kind(), v1::TASK_KIND_PERPLEXITY);
  EXPECT_EQ(spec->tasks(4).path(), Repo("data/calibration/test.jsonl"));
  EXPECT_EQ(spec->max_units_removed(), 0);
  EXPECT_EQ(spec->shard_size(), 64);
  EXPECT_EQ(spec->labels().at("example"), "tiny-block-sweep");
  // The paths it names are the bundled model and data.
  EXPECT_TRUE(fs::exists(fs::path(spec->model()) / "config.json"));
  for (const v1::TaskSpec& task : spec->tasks())
    EXPECT_TRUE(fs::exists(task.path())) << task.path();
}

TEST(SweepFileTest, SublayerShapleyExampleParses) {
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(Repo("examples/sublayer-shapley.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->model(), Repo("models/tiny"));
  EXPECT_EQ(spec->granularity(), v1::GRANULARITY_SUBLAYER);
  EXPECT_THAT(spec->metrics(), ::testing::ElementsAre(v1::METRIC_COSINE, v1::METRIC_LOSS_SHAPLEY));
  EXPECT_EQ(spec->shapley().estimator(), v1::ESTIMATOR_PERMUTATION);
  EXPECT_EQ(spec->shapley().budget(), 3000);
  EXPECT_DOUBLE_EQ(spec->shapley().target_stderr(), 0.002);
  EXPECT_EQ(spec->shapley().seed(), 7u);
  EXPECT_EQ(spec->calibration().seed(), 1u);
  ASSERT_EQ(spec->tasks_size(), 3);
  EXPECT_EQ(spec->tasks(2).kind(), v1::TASK_KIND_PERPLEXITY);
  EXPECT_EQ(spec->max_units_removed(), 8);
}

TEST(SweepFileTest, JsonExampleEqualsYamlExample) {
  absl::StatusOr<v1::SweepSpec> yaml = LoadSweepFile(Repo("examples/tiny-block-sweep.yaml"));
  absl::StatusOr<v1::SweepSpec> json = LoadSweepFile(Repo("examples/tiny-block-sweep.json"));
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(Same(*yaml, *json)) << yaml->DebugString() << "\n" << json->DebugString();
}

TEST(SweepFileTest, YamlAndJsonOfEveryFieldTypeGiveTheSameProto) {
  testing::TempDir dir;
  const std::string yaml = R"(name: all
model: /models/m
calibration: {path: /c.jsonl, seq_len: 64, max_sequences: 0, held_out_fraction: 0.25,
              seed: 18446744073709551615}
granularity: attention
metrics: [logit_shapley, task_shapley]
shapley:
  estimator: kernel
  budget: 500
  target_stderr: 1e-3
  task: {kind: boolq, path: /b.jsonl, skip_bad_rows: true}
tasks:
  - {kind: gsm8k, path: /g.jsonl, shots_path: /train.jsonl, skip_bad_rows: false}
priority: -3
labels: {team: "pruning", run: 7}
)";
  const std::string json = R"({"name": "all", "model": "/models/m",
  "calibration": {"path": "/c.jsonl", "seq_len": 64, "max_sequences": 0,
                  "held_out_fraction": 0.25, "seed": 18446744073709551615},
  "granularity": "attention", "metrics": ["logit_shapley", "task_shapley"],
  "shapley": {"estimator": "kernel", "budget": 500, "target_stderr": 0.001,
              "task": {"kind": "boolq", "path": "/b.jsonl", "skip_bad_rows": true}},
  "tasks": [{"kind": "gsm8k", "path": "/g.jsonl", "shots_path": "/train.jsonl",
             "skip_bad_rows": false}],
  "priority": -3, "labels": {"team": "pruning", "run": "7"}})";
  absl::StatusOr<v1::SweepSpec> from_yaml = LoadSweepFile(Write(dir, "s.yaml", yaml));
  absl::StatusOr<v1::SweepSpec> from_json = LoadSweepFile(Write(dir, "s.json", json));
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.status();
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_TRUE(Same(*from_yaml, *from_json)) << from_yaml->DebugString() << from_json->DebugString();
  EXPECT_EQ(from_yaml->calibration().seed(), 18446744073709551615u);
  EXPECT_DOUBLE_EQ(from_yaml->calibration().held_out_fraction(), 0.25);
  EXPECT_EQ(from_yaml->granularity(), v1::GRANULARITY_ATTENTION);
  EXPECT_EQ(from_yaml->shapley().task().kind(), v1::TASK_KIND_BOOLQ);
  EXPECT_TRUE(from_yaml->shapley().task().skip_bad_rows());
  EXPECT_EQ(from_yaml->priority(), -3);
  EXPECT_EQ(from_yaml->labels().at("run"), "7");
}

TEST(SweepFileTest, FriendlyAndFullEnumNamesAgree) {
  testing::TempDir dir;
  absl::StatusOr<v1::SweepSpec> friendly = LoadSweepFile(Write(dir, "a.yaml", R"(
granularity: mlp
metrics: [cosine, relative-l1, Loss_Shapley]
shapley: {estimator: paper_random_subnetworks}
tasks: [{kind: MMLU}, {kind: arc}]
)"));
  absl::StatusOr<v1::SweepSpec> full = LoadSweepFile(Write(dir, "b.yaml", R"(
granularity: GRANULARITY_MLP
metrics: [METRIC_COSINE, METRIC_RELATIVE_L1, METRIC_LOSS_SHAPLEY]
shapley: {estimator: ESTIMATOR_PAPER_RANDOM_SUBNETWORKS}
tasks: [{kind: TASK_KIND_MMLU}, {kind: task_kind_arc}]
)"));
  ASSERT_TRUE(friendly.ok()) << friendly.status();
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_TRUE(Same(*friendly, *full));
  EXPECT_EQ(full->granularity(), v1::GRANULARITY_MLP);
  EXPECT_EQ(full->metrics(1), v1::METRIC_RELATIVE_L1);
  EXPECT_EQ(full->shapley().estimator(), v1::ESTIMATOR_PAPER_RANDOM_SUBNETWORKS);
  EXPECT_EQ(full->tasks(1).kind(), v1::TASK_KIND_ARC);
}

TEST(SweepFileTest, RelativePathsResolveAgainstTheFilesDirectory) {
  testing::TempDir dir;
  const std::string path = Write(dir, "exp/sweeps/s.yaml", R"(
model: ../models/tiny
calibration: {path: cal.jsonl}
tasks: [{kind: gsm8k, path: ./data/../gsm/test.jsonl, shots_path: /abs/train.jsonl}]
shapley: {task: {kind: arc, path: arc.jsonl}}
)");
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(path);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->model(), dir.path() + "/exp/models/tiny");
  EXPECT_EQ(spec->calibration().path(), dir.path() + "/exp/sweeps/cal.jsonl");
  EXPECT_EQ(spec->tasks(0).path(), dir.path() + "/exp/sweeps/gsm/test.jsonl");
  EXPECT_EQ(spec->tasks(0).shots_path(), "/abs/train.jsonl");
  EXPECT_EQ(spec->shapley().task().path(), dir.path() + "/exp/sweeps/arc.jsonl");
}

TEST(SweepFileTest, RelativeFileNameResolvesAgainstTheWorkingDirectory) {
  absl::StatusOr<v1::SweepSpec> spec = ParseSweepFile("model: m\n", "s.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->model(), (fs::current_path() / "m").string());
}

TEST(SweepFileTest, HomeIsExpanded) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) GTEST_SKIP() << "HOME is not set";
  absl::StatusOr<v1::SweepSpec> spec = ParseSweepFile("model: ~/models/x\n", "/tmp/s.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->model(), (fs::path(home) / "models/x").lexically_normal().string());
}

TEST(SweepFileTest, FormatIsSniffedWithoutAKnownExtension) {
  testing::TempDir dir;
  absl::StatusOr<v1::SweepSpec> json = LoadSweepFile(Write(dir, "sweep", R"({"name": "j"})"));
  absl::StatusOr<v1::SweepSpec> yaml = LoadSweepFile(Write(dir, "sweep.txt", "name: y\n"));
  ASSERT_TRUE(json.ok()) << json.status();
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_EQ(json->name(), "j");
  EXPECT_EQ(yaml->name(), "y");
}

TEST(SweepFileTest, NullLeavesTheDefault) {
  absl::StatusOr<v1::SweepSpec> spec = ParseSweepFile("name:\nshard_size: ~\n", "/s.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "");
  EXPECT_EQ(spec->shard_size(), 0);
}

TEST(SweepFileTest, UnknownEnumNameNamesFileLineAndField) {
  testing::TempDir dir;
  const std::string message = ErrorOf(dir, "sweep.yaml", R"(name: x
model: m
granularity: block
tasks:
  - kind: arc
    path: a.jsonl
  - kind: mmul
)");
  EXPECT_EQ(message, dir.Sub("sweep.yaml") +
                         ":7: tasks[1].kind: unknown task \"mmul\" (expected one of mmlu, arc, "
                         "boolq, gsm8k, perplexity)");
}

TEST(SweepFileTest, UnknownMetricAndGranularityAndUnspecified) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "a.yaml", "metrics: [cosine, cosin]\n"),
            dir.Sub("a.yaml") +
                ":1: metrics[1]: unknown metric \"cosin\" (expected one of cosine, relative_l1, "
                "relative_l2, loss_shapley, logit_shapley, task_shapley)");
  EXPECT_EQ(ErrorOf(dir, "b.yaml", "\ngranularity: layer\n"),
            dir.Sub("b.yaml") +
                ":2: granularity: unknown granularity \"layer\" (expected one of block, "
                "attention, mlp, sublayer)");
  EXPECT_THAT(ErrorOf(dir, "c.yaml", "shapley:\n  estimator: unspecified\n"),
              HasSubstr("c.yaml:2: shapley.estimator: unknown estimator \"unspecified\""));
}

TEST(SweepFileTest, UnknownFieldAtDepthNamesFileLineAndPath) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "s.yaml", R"(name: x
tasks:
  - kind: arc
  - kind: boolq
    path: b.jsonl
    limt: 3
)"),
            dir.Sub("s.yaml") +
                ":6: tasks[1].limt: unknown field (expected one of kind, path, shots_path, limit, "
                "max_new_tokens, skip_bad_rows)");
  EXPECT_THAT(ErrorOf(dir, "t.yaml", "modle: m\n"),
              StartsWith(dir.Sub("t.yaml") + ":1: modle: unknown field (expected one of name, "
                                             "model, calibration,"));
  EXPECT_EQ(ErrorOf(dir, "u.json",
                    "{\n  \"shapley\": {\n    \"task\": {\"kind\": \"arc\",\n"
                    "             \"pth\": \"x\"}}}\n"),
            dir.Sub("u.json") +
                ":4: shapley.task.pth: unknown field (expected one of kind, path, shots_path, "
                "limit, max_new_tokens, skip_bad_rows)");
}

TEST(SweepFileTest, WrongTypesNameFileLineAndPath) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "a.yaml", "calibration:\n  seq_len: long\n"),
            dir.Sub("a.yaml") + ":2: calibration.seq_len: expected a 32-bit integer, got \"long\"");
  EXPECT_EQ(ErrorOf(dir, "b.yaml", "shard_size: 99999999999\n"),
            dir.Sub("b.yaml") + ":1: shard_size: expected a 32-bit integer, got \"99999999999\"");
  EXPECT_EQ(
      ErrorOf(dir, "c.yaml", "calibration: {seed: -1}\n"),
      dir.Sub("c.yaml") + ":1: calibration.seed: expected a non-negative integer, got \"-1\"");
  EXPECT_EQ(
      ErrorOf(dir, "d.yaml", "metrics: cosine\n"),
      dir.Sub("d.yaml") + ":1: metrics: expected a list, got \"cosine\" (write [cosine] for one)");
  EXPECT_EQ(
      ErrorOf(dir, "e.yaml", "calibration: data.jsonl\n"),
      dir.Sub("e.yaml") +
          ":1: calibration: expected a mapping of CalibrationSpec fields, got \"data.jsonl\"");
  EXPECT_EQ(ErrorOf(dir, "f.yaml", "name: [a, b]\n"),
            dir.Sub("f.yaml") + ":1: name: expected a string, got a list");
  EXPECT_EQ(ErrorOf(dir, "g.json", "{\"tasks\": [{\"kind\": \"arc\",\n  \"skip_bad_rows\": 2}]}"),
            dir.Sub("g.json") + ":2: tasks[0].skip_bad_rows: expected true or false, got \"2\"");
  EXPECT_EQ(ErrorOf(dir, "h.yaml", "- name: x\n"),
            dir.Sub("h.yaml") + ":1: expected a mapping of SweepSpec fields, got a list");
  EXPECT_EQ(ErrorOf(dir, "i.yaml", "shapley: {target_stderr: .nan}\n"),
            dir.Sub("i.yaml") + ":1: shapley.target_stderr: expected a number, got \".nan\"");
}

TEST(SweepFileTest, DuplicateFieldIsAnError) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "s.yaml", "name: a\nmodel: m\nname: b\n"),
            dir.Sub("s.yaml") + ":3: name: given twice");
  EXPECT_EQ(ErrorOf(dir, "t.yaml", "labels:\n  a: x\n  a: y\n"),
            dir.Sub("t.yaml") + ":3: labels.a: given twice");
}

TEST(SweepFileTest, MalformedYamlNamesTheLine) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "s.yaml", "name: x\nmetrics: [cosine, relative_l1\nmodel: m\n"),
            dir.Sub("s.yaml") + ":3: malformed YAML: end of sequence flow not found");
}

TEST(SweepFileTest, MalformedJsonNamesTheLine) {
  testing::TempDir dir;
  EXPECT_EQ(ErrorOf(dir, "s.json", "{\n  \"name\": \"x\",\n  \"model\" \"m\"\n}\n"),
            dir.Sub("s.json") +
                ":3: malformed JSON: syntax error while parsing object separator - unexpected "
                "string literal; expected ':'");
  // YAML would accept this; a .json file must be strict JSON.
  EXPECT_THAT(ErrorOf(dir, "t.json", "{\"name\": x}\n"),
              StartsWith(dir.Sub("t.json") + ":1: malformed JSON: "));
}

TEST(SweepFileTest, EmptyFileAndDirectoryAreInvalid) {
  testing::TempDir dir;
  EXPECT_THAT(ErrorOf(dir, "s.yaml", "# nothing\n"),
              StartsWith(dir.Sub("s.yaml") + ":1: empty sweep file"));
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(dir.path());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), HasSubstr("is a directory"));
}

TEST(SweepFileTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  absl::StatusOr<v1::SweepSpec> spec = LoadSweepFile(dir.Sub("nope.yaml"));
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(spec.status().message(), dir.Sub("nope.yaml") + ": no such sweep file");
}

}  // namespace
}  // namespace depthlab::cli
