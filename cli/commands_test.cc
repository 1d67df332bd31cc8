// The commands end to end against a fake SweepService on an in-process channel: what they send,
// what they print, and their exit codes.
#include "cli/commands.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "depthlab/v1/sweep_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace depthlab::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Repo(const std::string& relative) {
  return (fs::path(DEPTHLAB_SOURCE_DIR) / relative).lexically_normal().string();
}

v1::Sweep MakeSweep(const std::string& id, v1::SweepState state, int done, int total) {
  v1::Sweep sweep;
  sweep.set_id(id);
  sweep.set_state(state);
  sweep.set_jobs_done(done);
  sweep.set_jobs_total(total);
  return sweep;
}

// Canned answers and recorded requests. Thread-safe (handlers run on gRPC threads).
class FakeSweepService final : public v1::SweepService::Service {
 public:
  grpc::Status SubmitSweep(grpc::ServerContext*, const v1::SubmitSweepRequest* request,
                           v1::SubmitSweepResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    submits.push_back(*request);
    auto [it, created] = ids_.emplace(request->request_id(), absl::StrCat("s", ids_.size() + 1));
    response->mutable_sweep()->set_id(it->second);
    response->set_created(created);
    return grpc::Status::OK;
  }
  grpc::Status GetSweep(grpc::ServerContext*, const v1::GetSweepRequest* request,
                        v1::Sweep* response) override {
    std::lock_guard<std::mutex> lock(mu);
    auto it = sweeps.find(request->sweep_id());
    if (it == sweeps.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("sweep ", request->sweep_id(), " not found"));
    }
    *response = it->second;
    return grpc::Status::OK;
  }
  // Pages of at most min(page_size, 3); the token is the offset.
  grpc::Status ListSweeps(grpc::ServerContext*, const v1::ListSweepsRequest* request,
                          v1::ListSweepsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    lists.push_back(*request);
    const int offset = request->page_token().empty() ? 0 : std::stoi(request->page_token());
    const int end = std::min<int>(offset + std::min(request->page_size(), 3), listed.size());
    for (int i = offset; i < end; ++i) *response->add_sweeps() = listed[i];
    if (end < static_cast<int>(listed.size())) response->set_next_page_token(std::to_string(end));
    return grpc::Status::OK;
  }
  grpc::Status WatchSweep(grpc::ServerContext*, const v1::WatchSweepRequest* request,
                          grpc::ServerWriter<v1::SweepEvent>* writer) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!watch_status.ok()) return watch_status;
    for (v1::SweepEvent event : events) {
      event.mutable_sweep()->set_id(request->sweep_id());
      writer->Write(event);
    }
    return grpc::Status::OK;
  }
  grpc::Status CancelSweep(grpc::ServerContext*, const v1::CancelSweepRequest* request,
                           v1::Sweep* response) override {
    *response = MakeSweep(request->sweep_id(), v1::SWEEP_STATE_CANCELLED, 3, 40);
    return grpc::Status::OK;
  }
  grpc::Status GetInfluence(grpc::ServerContext*, const v1::GetInfluenceRequest* request,
                            v1::GetInfluenceResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    influence_requests.push_back(*request);
    *response = influence;
    return grpc::Status::OK;
  }
  grpc::Status GetCurves(grpc::ServerContext*, const v1::GetCurvesRequest* request,
                         v1::GetCurvesResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    curve_requests.push_back(*request);
    *response = curves;
    return grpc::Status::OK;
  }
  grpc::Status CompareSweeps(grpc::ServerContext*, const v1::CompareSweepsRequest* request,
                             v1::CompareSweepsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    compares.push_back(*request);
    *response = comparison;
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<v1::SubmitSweepRequest> submits;
  std::map<std::string, v1::Sweep> sweeps;
  std::vector<v1::Sweep> listed;
  std::vector<v1::ListSweepsRequest> lists;
  std::vector<v1::SweepEvent> events;
  grpc::Status watch_status;
  v1::GetInfluenceResponse influence;
  v1::GetCurvesResponse curves;
  v1::CompareSweepsResponse comparison;
  std::vector<v1::GetInfluenceRequest> influence_requests;
  std::vector<v1::GetCurvesRequest> curve_requests;
  std::vector<v1::CompareSweepsRequest> compares;

 private:
  std::map<std::string, std::string> ids_;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  void TearDown() override { server_->Shutdown(); }

  // Runs `depthlab <args...>` against the fake; output lands in out_ / err_.
  int Run(std::vector<std::string> args, bool terminal = false) {
    out_.str("");
    err_.str("");
    CommandEnv env;
    env.out = &out_;
    env.err = &err_;
    env.in = &in_;
    env.out_is_terminal = terminal;
    env.make_channel = [this](const std::string&) { return channel_; };
    const std::string name = args.front();
    args.erase(args.begin());
    return RunCommand(name, args, env);
  }

  void AddEvent(v1::SweepState state, int done, const std::string& message,
                const std::string& error = "") {
    v1::SweepEvent event;
    *event.mutable_sweep() = MakeSweep("", state, done, 40);
    event.mutable_sweep()->set_error(error);
    event.set_message(message);
    service_.events.push_back(event);
  }

  FakeSweepService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_, err_;
  std::istringstream in_;
};

TEST_F(CommandsTest, SubmitPrintsTheIdAndResubmittingTheFileIsIdempotent) {
  const std::string file = Repo("examples/tiny-block-sweep.yaml");
  ASSERT_EQ(Run({"submit", file}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "s1\n");
  EXPECT_EQ(err_.str(), "submitted sweep s1 to localhost:50051\n");
  ASSERT_EQ(service_.submits.size(), 1u);
  const v1::SubmitSweepRequest& request = service_.submits[0];
  EXPECT_EQ(request.spec().model(), Repo("models/tiny"));
  EXPECT_EQ(request.spec().tasks_size(), 5);
  std::ifstream in(file);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(request.request_id(), DefaultRequestId(content, file));

  ASSERT_EQ(Run({"submit", file}), 0);
  EXPECT_EQ(out_.str(), "s1\n");
  EXPECT_THAT(err_.str(), StartsWith("sweep s1 was already submitted with request id cli-"));
  ASSERT_EQ(Run({"submit", file, "--request-id", "again"}), 0);
  EXPECT_EQ(out_.str(), "s2\n");
  EXPECT_EQ(service_.submits.back().request_id(), "again");
}

TEST_F(CommandsTest, DefaultRequestIdIsAStableHashOfContentAndPath) {
  EXPECT_EQ(DefaultRequestId("name: x\n", "/x/s.yaml"), "cli-7714d1cec8a720b0");
  EXPECT_NE(DefaultRequestId("name: x\n", "/y/s.yaml"), DefaultRequestId("name: x\n", "/x/s.yaml"));
}

TEST_F(CommandsTest, SubmitDryRunPrintsTheSpecAndSendsNothing) {
  ASSERT_EQ(Run({"submit", Repo("examples/sublayer-shapley.yaml"), "--dry-run"}), 0);
  const nlohmann::json spec = nlohmann::json::parse(out_.str());
  EXPECT_EQ(spec["granularity"], "GRANULARITY_SUBLAYER");
  EXPECT_EQ(spec["shapley"]["estimator"], "ESTIMATOR_PERMUTATION");
  EXPECT_EQ(spec["model"], Repo("models/tiny"));
  EXPECT_TRUE(service_.submits.empty());
}

TEST_F(CommandsTest, SubmitReadsStdin) {
  in_.str("name: from-stdin\nmodel: /m\n");
  ASSERT_EQ(Run({"submit", "-"}), 0) << err_.str();
  EXPECT_EQ(service_.submits[0].spec().name(), "from-stdin");
}

TEST_F(CommandsTest, SubmitOfABadFileNamesFileAndLine) {
  testing::TempDir dir;
  const std::string file = dir.Sub("bad.yaml");
  std::ofstream(file) << "name: x\ngranularity: blocks\n";
  EXPECT_EQ(Run({"submit", file}), 1);
  EXPECT_EQ(err_.str(), "depthlab submit: " + file +
                            ":2: granularity: unknown granularity \"blocks\" (expected one of "
                            "block, attention, mlp, sublayer)\n");
  EXPECT_EQ(Run({"submit", dir.Sub("missing.yaml")}), 1);
  EXPECT_EQ(err_.str(), "depthlab submit: " + dir.Sub("missing.yaml") + ": no such sweep file\n");
  EXPECT_TRUE(service_.submits.empty());
}

TEST_F(CommandsTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({"submit"}), 2);
  EXPECT_EQ(err_.str(),
            "depthlab submit: missing FILE (usage: depthlab submit FILE [--request-id ID] "
            "[--watch [--plain]] [--dry-run])\n");
  EXPECT_EQ(Run({"watch", "s1", "--bars"}), 2);
  EXPECT_EQ(err_.str(), "depthlab watch: unknown flag --bars (see depthlab watch --help)\n");
  EXPECT_EQ(Run({"list", "--state", "runing"}), 2);
  EXPECT_EQ(err_.str(),
            "depthlab list: --state: unknown state \"runing\" (expected one of pending, running, "
            "succeeded, failed, cancelled)\n");
  EXPECT_EQ(Run({"list", "--limit", "many"}), 2);
  EXPECT_EQ(Run({"compare", "s1"}), 2);
  EXPECT_EQ(err_.str(), "depthlab compare: --task is required (e.g. --task mmlu)\n");
  EXPECT_EQ(Run({"results", "s1", "--timeout", "0"}), 2);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(err_.str(), "depthlab: unknown command 'frobnicate' (see depthlab --help)\n");
}

TEST_F(CommandsTest, EveryCommandExplainsItselfWithAnExample) {
  for (const CommandInfo& command : Commands()) {
    EXPECT_EQ(Run({command.name, "--help"}), 0) << command.name;
    EXPECT_THAT(out_.str(), StartsWith(absl::StrCat("usage: depthlab ", command.name)));
    EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("examples:\n  depthlab ", command.name)));
    EXPECT_THAT(out_.str(), HasSubstr("--coordinator HOST:PORT"));
  }
}

TEST_F(CommandsTest, WatchPrintsALinePerEventAndSucceeds) {
  AddEvent(v1::SWEEP_STATE_RUNNING, 10, "stage profile started");
  AddEvent(v1::SWEEP_STATE_SUCCEEDED, 40, "");
  ASSERT_EQ(Run({"watch", "s7"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "sweep s7: running, 10/40 jobs (25%) | stage profile started\n"
            "sweep s7: succeeded, 40/40 jobs (100%)\n"
            "sweep s7 succeeded: 40/40 jobs, 0 evaluations from the cache (see `depthlab "
            "results s7`)\n");
}

TEST_F(CommandsTest, WatchOnATerminalRedrawsBars) {
  AddEvent(v1::SWEEP_STATE_RUNNING, 10, "");
  AddEvent(v1::SWEEP_STATE_SUCCEEDED, 40, "");
  ASSERT_EQ(Run({"watch", "s7"}, /*terminal=*/true), 0);
  EXPECT_EQ(out_.str(),
            "sweep s7: running, 10/40 jobs (25%)\n"
            "\x1b[1F\x1b[Jsweep s7: succeeded, 40/40 jobs (100%)\n"
            "sweep s7 succeeded: 40/40 jobs, 0 evaluations from the cache (see `depthlab "
            "results s7`)\n");
}

TEST_F(CommandsTest, WatchOfAFailedOrCancelledSweepExitsOneWithTheError) {
  AddEvent(v1::SWEEP_STATE_FAILED, 12, "", "job 3 failed 3 times: worker w1: out of memory");
  EXPECT_EQ(Run({"watch", "s7"}), 1);
  EXPECT_EQ(err_.str(),
            "depthlab watch: sweep s7 failed: job 3 failed 3 times: worker w1: out of memory\n");
  service_.events.clear();
  AddEvent(v1::SWEEP_STATE_CANCELLED, 12, "");
  EXPECT_EQ(Run({"watch", "s7"}), 1);
  EXPECT_EQ(err_.str(), "depthlab watch: sweep s7 was cancelled\n");
}

TEST_F(CommandsTest, WatchAsksForTheStateWhenTheStreamEndsEarly) {
  AddEvent(v1::SWEEP_STATE_RUNNING, 10, "");
  service_.sweeps["s7"] = MakeSweep("s7", v1::SWEEP_STATE_SUCCEEDED, 40, 40);
  EXPECT_EQ(Run({"watch", "s7"}), 0);
  service_.sweeps["s7"] = MakeSweep("s7", v1::SWEEP_STATE_RUNNING, 11, 40);
  EXPECT_EQ(Run({"watch", "s7"}), 1);
  EXPECT_EQ(err_.str(),
            "depthlab watch: the coordinator ended the watch while sweep s7 is still running; run "
            "`depthlab watch s7` again\n");
}

TEST_F(CommandsTest, WatchOfAnUnknownSweepShowsTheCode) {
  service_.watch_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "sweep nope not found");
  EXPECT_EQ(Run({"watch", "nope"}), 1);
  EXPECT_EQ(err_.str(), "depthlab watch: WatchSweep failed (NOT_FOUND): sweep nope not found\n");
}

TEST_F(CommandsTest, SubmitWatchFollowsTheNewSweep) {
  AddEvent(v1::SWEEP_STATE_SUCCEEDED, 40, "");
  ASSERT_EQ(Run({"submit", Repo("examples/tiny-block-sweep.yaml"), "--watch"}), 0);
  EXPECT_THAT(out_.str(), StartsWith("s1\nsweep s1: succeeded"));
}

TEST_F(CommandsTest, ListPagesUpToTheLimitAndPassesFilters) {
  for (int i = 0; i < 7; ++i) {
    service_.listed.push_back(MakeSweep(absl::StrCat("s", i), v1::SWEEP_STATE_RUNNING, i, 10));
  }
  ASSERT_EQ(Run({"list", "--limit", "5", "--state", "running", "--model", "/m/tiny"}), 0);
  EXPECT_EQ(out_.str(),
            "ID  NAME  STATE    JOBS  MODEL  CREATED (UTC)\n"
            "s0        running  0/10\n"
            "s1        running  1/10\n"
            "s2        running  2/10\n"
            "s3        running  3/10\n"
            "s4        running  4/10\n");
  EXPECT_EQ(err_.str(), "(first 5 shown; pass --limit 0 for all)\n");
  ASSERT_EQ(service_.lists.size(), 2u);
  EXPECT_EQ(service_.lists[0].page_size(), 5);
  EXPECT_EQ(service_.lists[0].state(), v1::SWEEP_STATE_RUNNING);
  EXPECT_EQ(service_.lists[0].model(), "/m/tiny");
  EXPECT_EQ(service_.lists[1].page_size(), 2);
  EXPECT_EQ(service_.lists[1].page_token(), "3");

  ASSERT_EQ(Run({"list", "--limit", "0"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\ns6 "));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandsTest, ResultsShowsInfluenceAndCurvesOrJson) {
  v1::Sweep sweep = MakeSweep("s1", v1::SWEEP_STATE_SUCCEEDED, 40, 40);
  sweep.mutable_spec()->set_model("/m/tiny");
  service_.sweeps["s1"] = sweep;
  v1::InfluenceEntry* entry = service_.influence.add_entries();
  entry->set_metric(v1::METRIC_COSINE);
  entry->set_unit("block:0");
  entry->set_value(0.5);
  entry->set_rank(1);
  v1::CurvePoint* point = service_.curves.add_points();
  point->set_task(v1::TASK_KIND_ARC);
  point->set_metric(v1::METRIC_COSINE);
  point->set_accuracy(0.5);

  ASSERT_EQ(Run({"results", "s1", "--metric", "cosine", "--task", "arc"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), StartsWith("sweep s1: succeeded, 40/40 jobs\nmodel /m/tiny"));
  EXPECT_THAT(out_.str(), HasSubstr("\n   1  block:0  0.5\n"));
  EXPECT_THAT(out_.str(), HasSubstr("arc: accuracy with k units removed"));
  EXPECT_EQ(service_.influence_requests[0].metric(), v1::METRIC_COSINE);
  EXPECT_EQ(service_.curve_requests[0].task(), v1::TASK_KIND_ARC);

  ASSERT_EQ(Run({"results", "s1", "--json"}), 0);
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  EXPECT_EQ(json["sweep"]["id"], "s1");
  EXPECT_EQ(json["influence"]["entries"][0]["unit"], "block:0");
  EXPECT_EQ(json["curves"]["points"][0]["task"], "TASK_KIND_ARC");
  EXPECT_EQ(json["curves"]["points"][0]["units_removed"], 0);

  EXPECT_EQ(Run({"results", "s404"}), 1);
  EXPECT_EQ(err_.str(), "depthlab results: GetSweep failed (NOT_FOUND): sweep s404 not found\n");
}

TEST_F(CommandsTest, CompareSendsTaskSweepsAndMetrics) {
  v1::CurvePoint* point = service_.comparison.add_points();
  point->set_task(v1::TASK_KIND_MMLU);
  point->set_model("/m/tiny");
  point->set_metric(v1::METRIC_COSINE);
  point->set_accuracy(0.25);
  ASSERT_EQ(Run({"compare", "--task", "mmlu", "s1", "s2", "--metric", "cosine,loss_shapley",
                 "--metric", "relative_l1"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), "mmlu: accuracy with k units removed\nk  tiny/cosine\n0  0.250\n");
  ASSERT_EQ(service_.compares.size(), 1u);
  EXPECT_EQ(service_.compares[0].task(), v1::TASK_KIND_MMLU);
  EXPECT_THAT(service_.compares[0].sweep_ids(), ElementsAre("s1", "s2"));
  EXPECT_THAT(service_.compares[0].metrics(),
              ElementsAre(v1::METRIC_COSINE, v1::METRIC_LOSS_SHAPLEY, v1::METRIC_RELATIVE_L1));
}

TEST_F(CommandsTest, CancelReportsTheNewState) {
  ASSERT_EQ(Run({"cancel", "s3"}), 0);
  EXPECT_EQ(out_.str(), "sweep s3 cancelled\n");
}

TEST(CommandsUnreachableTest, NoCoordinatorSaysHowToStartOne) {
  std::ostringstream out, err;
  CommandEnv env;
  env.out = &out;
  env.err = &err;
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  EXPECT_EQ(RunCommand("list", {"--coordinator", "127.0.0.1:1", "--timeout", "20"}, env), 1);
  EXPECT_THAT(err.str(), StartsWith("depthlab list: cannot reach the coordinator at 127.0.0.1:1 "
                                    "(UNAVAILABLE): "));
  EXPECT_THAT(err.str(),
              HasSubstr("— start it with `depthlab-coordinator` or pass --coordinator\n"));
}

}  // namespace
}  // namespace depthlab::cli
