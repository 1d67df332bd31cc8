// Layering: every #include (and .proto import) in the repository obeys the dependency rules of
// ARCHITECTURE.md, stated once below as DepthlabRules(). The checker itself (tests/include_rules.h)
// is tested on synthetic trees with known violations, so this test cannot pass vacuously.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/include_rules.h"

namespace depthlab::tests {
namespace {

// The rules. To add a folder or a rule, add a row here and a line to ARCHITECTURE.md.
LayeringRules DepthlabRules() {
  LayeringRules rules;
  // clang-format off
  rules.folders = {
      // Top-level folders in dependency order, each with the folders it may include besides itself.
      {"proto",       {}},  // and its generated code (below)
      {"common",      {}},
      {"store",       {"common"}},
      {"coordinator", {"common", "proto", "store"}},
      {"worker",      {"common", "proto"}},
      {"cli",         {"common", "proto"}},
      {"tests",       {kAnyFolder}},
      {"bench",       {kAnyFolder}},
      {"models",      {}},
      {"data",        {}},
      // Folders without C++ or proto sources.
      {"dashboard", {}, /*holds_code=*/false},
      {"deploy",    {}, /*holds_code=*/false},
      {"docs",      {}, /*holds_code=*/false},
      {"scripts",   {}, /*holds_code=*/false},
      {"examples",  {}, /*holds_code=*/false},
      {"cmake",     {}, /*holds_code=*/false},
  };
  // protoc output for proto/depthlab/v1/*.proto is included as "depthlab/v1/x.pb.h".
  rules.generated_code = {{"depthlab/", "proto"}};
  const std::vector<std::string> kTorch = {"torch/*", "ATen/*", "c10/*"};
  rules.includes = {
      // name, includes, only in files under, never in files under, why
      {"libtorch", kTorch, {"worker/engine/", "tests/", "bench/"}, {},
       "libtorch is used only inside worker/engine"},
      {"sqlite", {"sqlite3.h"}, {"store/", "tests/", "bench/"}, {},
       "only store/ talks to SQLite (the worker never links it)"},
      {"grpc", {"grpcpp/*", "grpc++/*", "grpc/*", "*.grpc.pb.h"}, {},
       {"worker/engine/", "coordinator/shapley/", "coordinator/planner/"},
       "worker/engine has no gRPC dependency and coordinator/planner, coordinator/shapley are pure"},
      {"coordinator-no-worker", {"worker/*"}, {}, {"coordinator/"},
       "the coordinator never includes worker/ (they speak only through proto/)"},
      {"worker-no-store-coordinator", {"store/*", "coordinator/*"}, {}, {"worker/"},
       "the worker never includes store/ or coordinator/ (they speak only through proto/)"},
  };
  rules.exposed_headers = {
      // name, folder, forbidden, includers that do not count, why
      {"engine-facade", "worker/engine/", kTorch, {"tests/", "bench/"},
       "a worker/engine header included outside worker/engine must not include libtorch"},
      {"store-facade", "store/", {"sqlite3.h"}, {"tests/", "bench/"},
       "a store/ header included outside store/ must not include sqlite3.h"},
  };
  // clang-format on
  return rules;
}

// Joins lines with '\n'; line i of the result is lines[i - 1].
std::string Lines(const std::vector<std::string>& lines) { return absl::StrJoin(lines, "\n"); }

// "path:line rule", sorted, for comparing violation sets.
std::vector<std::string> Summaries(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations)
    out.push_back(absl::StrCat(v.path, ":", v.line, " ", v.rule));
  std::sort(out.begin(), out.end());
  return out;
}

const Violation* FindViolation(const std::vector<Violation>& violations, const std::string& path,
                               const std::string& rule) {
  for (const Violation& v : violations) {
    if (v.path == path && v.rule == rule) return &v;
  }
  return nullptr;
}

TEST(LayeringTest, SourceTreeFollowsArchitecture) {
  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceTree(DEPTHLAB_SOURCE_DIR);
  ASSERT_TRUE(files.ok()) << files.status();
  // Guards against a vacuous pass: the walk must have found known files.
  auto has = [&](const std::string& path) {
    return std::any_of(files->begin(), files->end(),
                       [&](const SourceFile& f) { return f.path == path; });
  };
  ASSERT_TRUE(has("common/status_macros.h")) << "walked " << files->size() << " files";
  ASSERT_TRUE(has("tests/layering_test.cc")) << "walked " << files->size() << " files";

  for (const Violation& v : CheckIncludes(*files, DepthlabRules())) ADD_FAILURE() << v.ToString();
}

TEST(LayeringTest, RulesTableIsConsistent) {
  const LayeringRules rules = DepthlabRules();
  auto known = [&](const std::string& folder) {
    return std::any_of(rules.folders.begin(), rules.folders.end(),
                       [&](const FolderRule& f) { return f.folder == folder; });
  };
  for (const FolderRule& f : rules.folders) {
    for (const std::string& dep : f.may_include) {
      EXPECT_TRUE(dep == kAnyFolder || known(dep)) << f.folder << " may include unknown " << dep;
    }
  }
  for (const auto& [prefix, owner] : rules.generated_code) {
    EXPECT_TRUE(known(owner)) << prefix << " is owned by unknown folder " << owner;
  }
}

TEST(LayeringTest, FindsEveryKindOfViolation) {
  const std::vector<SourceFile> files = {
      {"common/log.h", Lines({"#include <string>", "#include \"store/db.h\""})},
      {"store/db.h", Lines({"#include \"common/status_macros.h\"", "#include <sqlite3.h>"})},
      {"store/db.cc",
       Lines({"#include \"store/db.h\"", "#include \"coordinator/scheduler/queue.h\""})},
      {"coordinator/scheduler/queue.h",
       Lines({"#include \"store/db.h\"", "#include \"worker/runner/runner.h\""})},
      {"coordinator/planner/plan.cc",
       Lines({"#include \"depthlab/v1/sweep.pb.h\"", "#include \"depthlab/v1/sweep.grpc.pb.h\""})},
      {"coordinator/shapley/estimator.cc",
       Lines(
           {"#include <vector>", "", "#include <grpcpp/grpcpp.h>", "#include <c10/util/Half.h>"})},
      {"worker/engine/decoder.h", Lines({"#include <ATen/core/Tensor.h>"})},
      {"worker/engine/engine.h", Lines({"#include \"worker/engine/decoder.h\""})},
      {"worker/engine/loader.cc", Lines({"#include <torch/torch.h>", "#include <grpc/grpc.h>",
                                         "#include \"worker/engine/engine.h\""})},
      {"worker/runner/runner.h", Lines({"#include <string>"})},
      {"worker/runner/runner.cc",
       Lines({"#include \"worker/runner/runner.h\"", "#include \"store/db.h\"",
              "#include <torch/torch.h>", "#include <sqlite3.h>", "#include \"../engine/engine.h\"",
              "#include \"runner.h\""})},
      {"worker/main.cc", Lines({"#include \"worker/engine/engine.h\"",
                                "#include \"coordinator/scheduler/queue.h\""})},
      {"cli/main.cc", Lines({"#include \"store/db.h\"", "#include <ATen/ATen.h>"})},
      {"proto/depthlab/v1/sweep.proto",
       Lines({"syntax = \"proto3\";", "import \"google/protobuf/timestamp.proto\";",
              "import public \"store/schema.proto\";"})},
      {"deploy/tool.cc", ""},
      {"tools/gen.cc", ""},
      {"main.cc", ""},
  };
  const std::vector<Violation> violations = CheckIncludes(files, DepthlabRules());

  const std::vector<std::string> expected = {
      "cli/main.cc:1 folders",
      "cli/main.cc:2 libtorch",
      "common/log.h:2 folders",
      "coordinator/planner/plan.cc:2 grpc",
      "coordinator/scheduler/queue.h:2 coordinator-no-worker",
      "coordinator/scheduler/queue.h:2 folders",
      "coordinator/shapley/estimator.cc:3 grpc",
      "coordinator/shapley/estimator.cc:4 libtorch",
      "deploy/tool.cc:0 no-code",
      "main.cc:0 unknown-folder",
      "proto/depthlab/v1/sweep.proto:3 folders",
      "store/db.cc:2 folders",
      "store/db.h:2 store-facade",
      "tools/gen.cc:0 unknown-folder",
      "worker/engine/decoder.h:1 engine-facade",
      "worker/engine/loader.cc:2 grpc",
      "worker/main.cc:2 folders",
      "worker/main.cc:2 worker-no-store-coordinator",
      "worker/runner/runner.cc:2 folders",
      "worker/runner/runner.cc:2 worker-no-store-coordinator",
      "worker/runner/runner.cc:3 libtorch",
      "worker/runner/runner.cc:4 sqlite",
      "worker/runner/runner.cc:5 relative-include",
      "worker/runner/runner.cc:6 relative-include",
  };
  EXPECT_EQ(Summaries(violations), expected);

  // The engine header is reported with the chain that exposes it.
  const Violation* facade = FindViolation(violations, "worker/engine/decoder.h", "engine-facade");
  ASSERT_NE(facade, nullptr);
  EXPECT_EQ(facade->include, "ATen/core/Tensor.h");
  EXPECT_TRUE(absl::StrContains(facade->message,
                                "included from worker/main.cc via "
                                "worker/engine/engine.h"))
      << facade->message;
  const Violation* folders = FindViolation(violations, "common/log.h", "folders");
  ASSERT_NE(folders, nullptr);
  EXPECT_EQ(folders->message, "common/ may depend on no other folder, not store/");
}

TEST(LayeringTest, AcceptsAllowedIncludes) {
  const std::vector<SourceFile> files = {
      {"common/grpc_status.h", Lines({"#include <string>", "#include \"absl/status/status.h\"",
                                      "#include <grpcpp/support/status.h>"})},
      {"proto/depthlab/v1/common.proto", Lines({"syntax = \"proto3\";"})},
      {"proto/depthlab/v1/sweep.proto",
       Lines({"syntax = \"proto3\";", "import \"google/protobuf/timestamp.proto\";",
              "import \"depthlab/v1/common.proto\";"})},
      {"store/db.h", Lines({"#include \"common/status_macros.h\""})},
      {"store/db.cc", Lines({"#include \"store/db.h\"", "#include <sqlite3.h>"})},
      {"coordinator/planner/plan.h", Lines({"#include \"depthlab/v1/sweep.pb.h\""})},
      {"coordinator/planner/plan.cc",
       Lines({"#include \"coordinator/planner/plan.h\"", "#include \"store/db.h\"",
              "// #include \"worker/engine/engine.h\" is what the planner must never do"})},
      {"coordinator/service/sweep_service.cc",
       Lines({"#include \"depthlab/v1/sweep.grpc.pb.h\"", "#include <grpcpp/grpcpp.h>",
              "#include \"common/grpc_status.h\""})},
      {"worker/engine/decoder.h", Lines({"#include <ATen/core/Tensor.h>"})},
      {"worker/engine/decoder.cc",
       Lines({"#include \"worker/engine/decoder.h\"", "#include <torch/torch.h>"})},
      {"worker/engine/engine.h", Lines({"#include \"worker/engine/model_config.h\""})},
      {"worker/engine/model_config.h", Lines({"#include <string>"})},
      {"worker/engine/testing/reference.cc", Lines({"#include \"worker/engine/decoder.h\""})},
      {"worker/main.cc",
       Lines({"  #  include \"worker/engine/engine.h\"", "#include <grpcpp/grpcpp.h>",
              "#include \"depthlab/v1/worker.grpc.pb.h\"", "#include \"common/grpc_status.h\""})},
      {"cli/main.cc",
       Lines({"#include \"depthlab/v1/sweep.grpc.pb.h\"", "#include \"common/grpc_status.h\""})},
      {"tests/end_to_end_test.cc",
       Lines({"#include \"worker/engine/decoder.h\"", "#include \"store/db.h\"",
              "#include <sqlite3.h>", "#include <torch/torch.h>",
              "#include \"coordinator/planner/plan.h\""})},
      {"bench/decoder_bench.cc", Lines({"#include \"worker/engine/decoder.h\""})},
      {"deploy/notes.md", Lines({"#include \"worker/engine/decoder.h\""})},  // not a source file
  };
  const std::vector<Violation> violations = CheckIncludes(files, DepthlabRules());
  EXPECT_EQ(Summaries(violations), std::vector<std::string>{});
  for (const Violation& v : violations) ADD_FAILURE() << v.ToString();
}

TEST(LayeringTest, FormatsViolations) {
  const Violation include{"coordinator/a.cc", 3, "worker/x.h", "folders", "no worker here"};
  EXPECT_EQ(include.ToString(), "coordinator/a.cc:3: \"worker/x.h\" — no worker here");
  const Violation file{"tools/gen.cc", 0, "", "unknown-folder", "not in the table"};
  EXPECT_EQ(file.ToString(), "tools/gen.cc: not in the table");
}

TEST(LayeringTest, WalksSourcesSkippingBuildAndHiddenDirectories) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(::testing::TempDir()) / absl::StrCat("layering_walk_", ::getpid());
  fs::remove_all(root);
  auto write = [&](const std::string& path, const std::string& text) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path) << text;
  };
  write("common/a.h", "#include \"store/b.h\"\n");
  write("proto/depthlab/v1/x.proto", "syntax = \"proto3\";\n");
  write("worker/builder/z.cc", "\n");  // build* is skipped at the top level only
  write("docs/notes.md", "#include \"store/b.h\"\n");
  write("build-release/worker/bad.cc", "#include <sqlite3.h>\n");
  write(".git/x.h", "#include <sqlite3.h>\n");
  write("worker/.cache/y.cc", "#include <sqlite3.h>\n");

  absl::StatusOr<std::vector<SourceFile>> files = ReadSourceTree(root.string());
  ASSERT_TRUE(files.ok()) << files.status();
  std::vector<std::string> paths;
  for (const SourceFile& f : *files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"common/a.h", "proto/depthlab/v1/x.proto",
                                             "worker/builder/z.cc"}));
  EXPECT_EQ(Summaries(CheckIncludes(*files, DepthlabRules())),
            std::vector<std::string>{"common/a.h:1 folders"});
  fs::remove_all(root);

  EXPECT_EQ(ReadSourceTree((root / "missing").string()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace depthlab::tests
