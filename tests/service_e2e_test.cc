// The service end to end with real processes on loopback: depthlab-coordinator, depthlab-worker
// serve workers, a gRPC client. A small random model and the bundled benchmark files (with small
// limits) keep each sweep to seconds. Results are compared exactly across worker counts, worker
// crashes and coordinator restarts: every value is a sum over the same shards in the same order.
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "depthlab/v1/sweep_service.grpc.pb.h"
#include "depthlab/v1/worker_service.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/process.h"

namespace depthlab::tests {
namespace {

namespace v1 = ::depthlab::v1;
using ::depthlab::testing::Subprocess;
using ::depthlab::testing::WaitFor;
using ::testing::HasSubstr;

const std::string kBin = DEPTHLAB_BINARY_DIR;
const std::string kSrc = DEPTHLAB_SOURCE_DIR;

class Cluster {
 public:
  explicit Cluster(std::string dir) : dir_(std::move(dir)) {}

  // Starts (or restarts, on the same port and database) the coordinator.
  void StartCoordinator(const std::vector<std::string>& extra = {}) {
    const std::string port_file = absl::StrCat(dir_, "/port");
    std::remove(port_file.c_str());
    std::vector<std::string> argv = {kBin + "/coordinator/depthlab-coordinator",
                                     "--listen",
                                     absl::StrCat("127.0.0.1:", port_),
                                     "--port-file",
                                     port_file,
                                     "--db",
                                     dir_ + "/depthlab.db",
                                     "--metrics-port",
                                     absl::StrCat(metrics_port_),
                                     "--lease-seconds",
                                     "3",
                                     "--heartbeat-seconds",
                                     "1",
                                     "--masks-per-job",
                                     "4"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    coordinator_ = *Subprocess::Start(argv, dir_ + "/coordinator.log");
    ASSERT_TRUE(WaitFor([&] { return std::ifstream(port_file).good(); }, absl::Seconds(30)))
        << Log("coordinator.log");
    std::ifstream(port_file) >> port_;
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
    sweeps_ = v1::SweepService::NewStub(channel);
    workers_ = v1::WorkerService::NewStub(channel);
  }

  void StartWorker() {
    const int i = static_cast<int>(worker_procs_.size());
    worker_procs_.push_back(*Subprocess::Start(
        {kBin + "/worker/depthlab-worker", "serve", "--coordinator",
         absl::StrCat("127.0.0.1:", port_), "--name", absl::StrCat("w", i), "--threads", "1"},
        absl::StrCat(dir_, "/worker", i, ".log")));
  }

  v1::SweepService::Stub& sweeps() { return *sweeps_; }
  v1::WorkerService::Stub& workers() { return *workers_; }
  Subprocess& coordinator() { return *coordinator_; }
  Subprocess& worker(int i) { return *worker_procs_[i]; }
  int metrics_port() const { return metrics_port_; }
  std::string Log(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  grpc::Status Submit(const v1::SweepSpec& spec, v1::SubmitSweepResponse* response,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::SubmitSweepRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(request_id);
    return sweeps_->SubmitSweep(&context, request, response);
  }

  v1::Sweep Get(const std::string& id) {
    grpc::ClientContext context;
    v1::GetSweepRequest request;
    request.set_sweep_id(id);
    v1::Sweep sweep;
    sweeps_->GetSweep(&context, request, &sweep);
    return sweep;
  }

  bool WaitDone(const std::string& id, absl::Duration timeout = absl::Minutes(4)) {
    return WaitFor([&] { return Get(id).state() == v1::SWEEP_STATE_SUCCEEDED; }, timeout);
  }

  // Influence and curves, the results a user reads.
  std::pair<v1::GetInfluenceResponse, v1::GetCurvesResponse> Results(const std::string& id) {
    v1::GetInfluenceRequest ir;
    ir.set_sweep_id(id);
    v1::GetInfluenceResponse influence;
    grpc::ClientContext c1;
    EXPECT_TRUE(sweeps_->GetInfluence(&c1, ir, &influence).ok());
    v1::GetCurvesRequest cr;
    cr.set_sweep_id(id);
    v1::GetCurvesResponse curves;
    grpc::ClientContext c2;
    EXPECT_TRUE(sweeps_->GetCurves(&c2, cr, &curves).ok());
    for (v1::CurvePoint& p : *curves.mutable_points()) p.clear_sweep_id();
    return {influence, curves};
  }

 private:
  std::string dir_;
  int port_ = depthlab::testing::FreePort();
  int metrics_port_ = depthlab::testing::FreePort();
  std::unique_ptr<Subprocess> coordinator_;
  std::vector<std::unique_ptr<Subprocess>> worker_procs_;
  std::unique_ptr<v1::SweepService::Stub> sweeps_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
};

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ::depthlab::testing::TempDir();
    model_ = dir_->Sub("model");
    auto p =
        *Subprocess::Start({kBin + "/worker/depthlab-worker", "init-random", "--out", model_,
                            "--layers", "6", "--hidden", "64", "--intermediate", "128", "--heads",
                            "4", "--kv-heads", "2", "--vocab", "265", "--seed", "3"},
                           dir_->Sub("init.log"));
    ASSERT_EQ(p->Wait(absl::Minutes(1)), 0);
  }
  static void TearDownTestSuite() { delete dir_; }

  static v1::SweepSpec Spec() {
    v1::SweepSpec spec;
    spec.set_name("e2e");
    spec.set_model(model_);
    spec.mutable_calibration()->set_path(kSrc + "/data/calibration/test.jsonl");
    spec.mutable_calibration()->set_seq_len(32);
    spec.mutable_calibration()->set_max_sequences(8);
    spec.set_granularity(v1::GRANULARITY_BLOCK);
    spec.add_metrics(v1::METRIC_COSINE);
    spec.add_metrics(v1::METRIC_LOSS_SHAPLEY);
    v1::TaskSpec* arc = spec.add_tasks();
    arc->set_kind(v1::TASK_KIND_ARC);
    arc->set_path(kSrc + "/data/arc/test.jsonl");
    arc->set_limit(12);
    v1::TaskSpec* boolq = spec.add_tasks();
    boolq->set_kind(v1::TASK_KIND_BOOLQ);
    boolq->set_path(kSrc + "/data/boolq/test.jsonl");
    boolq->set_limit(12);
    v1::TaskSpec* ppl = spec.add_tasks();
    ppl->set_kind(v1::TASK_KIND_PERPLEXITY);
    ppl->set_path(kSrc + "/data/calibration/test.jsonl");
    ppl->set_limit(4);
    spec.set_max_units_removed(3);
    spec.set_shard_size(4);
    return spec;
  }

  // Runs Spec() on a fresh cluster of `workers` workers; the results.
  std::pair<v1::GetInfluenceResponse, v1::GetCurvesResponse> RunOn(int workers) {
    Cluster cluster(dir_->Sub(absl::StrCat("run", workers)));
    std::filesystem::create_directories(dir_->Sub(absl::StrCat("run", workers)));
    cluster.StartCoordinator();
    for (int i = 0; i < workers; ++i) cluster.StartWorker();
    v1::SubmitSweepResponse submitted;
    EXPECT_TRUE(cluster.Submit(Spec(), &submitted).ok());
    EXPECT_TRUE(cluster.WaitDone(submitted.sweep().id())) << cluster.Log("coordinator.log");
    return cluster.Results(submitted.sweep().id());
  }

  static ::depthlab::testing::TempDir* dir_;
  static std::string model_;
};

::depthlab::testing::TempDir* ServiceTest::dir_ = nullptr;
std::string ServiceTest::model_;

MATCHER_P(ProtoEq, expected, "") {
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

TEST_F(ServiceTest, OneAndThreeWorkersGiveIdenticalResults) {
  const auto one = RunOn(1);
  const auto three = RunOn(3);
  // 6 blocks x 2 metrics; curves: 2 metrics x k = 0..3 x 3 tasks.
  EXPECT_EQ(one.first.entries_size(), 12);
  EXPECT_EQ(one.second.points_size(), 24);
  EXPECT_THAT(three.first, ProtoEq(one.first));
  EXPECT_THAT(three.second, ProtoEq(one.second));
}

TEST_F(ServiceTest, BadSpecsAreRefusedNamingTheFieldAndNothingIsStored) {
  std::filesystem::create_directories(dir_->Sub("bad"));
  Cluster cluster(dir_->Sub("bad"));
  cluster.StartCoordinator();
  const std::string bad_arc = dir_->Sub("bad/arc.jsonl");
  std::ofstream(bad_arc)
      << R"({"id":"1","question":{"stem":"x","choices":[{"text":"a","label":"A"}]},"answerKey":"A"})"
      << "\n{not json\n";
  struct Case {
    std::function<void(v1::SweepSpec*)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](v1::SweepSpec* s) { s->set_model("/nonexistent/model"); }, "model: /nonexistent/model"},
      {[&](v1::SweepSpec* s) { s->mutable_tasks(0)->set_path(bad_arc); }, "tasks[0].path: "},
      {[](v1::SweepSpec* s) { s->set_max_units_removed(7); },
       "max_units_removed: 7 is more than the 6 units"},
      {[](v1::SweepSpec* s) { s->set_shard_size(-1); }, "shard_size: must be >= 0 (got -1)"},
      {[](v1::SweepSpec* s) { s->GetReflection()->MutableUnknownFields(s)->AddVarint(99, 1); },
       "unknown field number 99"},
  };
  for (const Case& c : cases) {
    v1::SweepSpec spec = Spec();
    c.edit(&spec);
    v1::SubmitSweepResponse response;
    const grpc::Status status = cluster.Submit(spec, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_THAT(status.error_message(), HasSubstr(c.message));
  }
  grpc::ClientContext context;
  v1::ListSweepsResponse list;
  ASSERT_TRUE(cluster.sweeps().ListSweeps(&context, v1::ListSweepsRequest(), &list).ok());
  EXPECT_EQ(list.sweeps_size(), 0);
}

TEST_F(ServiceTest, ALateReportFromAnExpiredLeaseIsRefused) {
  std::filesystem::create_directories(dir_->Sub("late"));
  Cluster cluster(dir_->Sub("late"));
  cluster.StartCoordinator();
  v1::SubmitSweepResponse submitted;
  ASSERT_TRUE(cluster.Submit(Spec(), &submitted).ok());
  v1::RegisterWorkerResponse me;
  {
    grpc::ClientContext context;
    v1::RegisterWorkerRequest request;
    request.set_name("slow");
    ASSERT_TRUE(cluster.workers().RegisterWorker(&context, request, &me).ok());
  }
  v1::LeaseJobsResponse leased;
  {
    grpc::ClientContext context;
    v1::LeaseJobsRequest request;
    request.set_worker_id(me.worker_id());
    request.set_wait_ms(5000);
    ASSERT_TRUE(cluster.workers().LeaseJobs(&context, request, &leased).ok());
  }
  ASSERT_EQ(leased.leases_size(), 1);
  // No heartbeats: wait until the coordinator has re-queued the job (a second worker can lease it).
  v1::RegisterWorkerResponse other;
  {
    grpc::ClientContext context;
    v1::RegisterWorkerRequest request;
    request.set_name("other");
    ASSERT_TRUE(cluster.workers().RegisterWorker(&context, request, &other).ok());
  }
  v1::LeaseJobsResponse re_leased;
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext context;
        v1::LeaseJobsRequest request;
        request.set_worker_id(other.worker_id());
        request.set_wait_ms(1000);
        re_leased.Clear();
        return cluster.workers().LeaseJobs(&context, request, &re_leased).ok() &&
               re_leased.leases_size() == 1 &&
               re_leased.leases(0).job_id() == leased.leases(0).job_id();
      },
      absl::Seconds(30)));
  EXPECT_EQ(re_leased.leases(0).attempt(), leased.leases(0).attempt() + 1);
  grpc::ClientContext context;
  v1::CompleteJobRequest late;
  late.set_worker_id(me.worker_id());
  *late.mutable_attempt() = v1::JobAttempt();
  late.mutable_attempt()->set_job_id(leased.leases(0).job_id());
  late.mutable_attempt()->set_attempt(leased.leases(0).attempt());
  v1::CompleteJobResponse response;
  const grpc::Status status = cluster.workers().CompleteJob(&context, late, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat(leased.leases(0).job_id())));
}

TEST_F(ServiceTest, AWorkerKilledMidJobHasItsJobReleasedAndTheSweepCompletesTheSame) {
  // Jobs that run for a while: GSM8K curve shards generate up to 256 tokens per item (the random
  // model never writes the stop string), about a second per shard of 4 items.
  v1::SweepSpec spec = Spec();
  spec.clear_metrics();
  spec.add_metrics(v1::METRIC_COSINE);
  spec.clear_tasks();
  v1::TaskSpec* gsm8k = spec.add_tasks();
  gsm8k->set_kind(v1::TASK_KIND_GSM8K);
  gsm8k->set_path(kSrc + "/data/gsm8k/test.jsonl");
  gsm8k->set_limit(8);
  spec.set_max_units_removed(1);
  std::filesystem::create_directories(dir_->Sub("kill-reference"));
  Cluster reference_cluster(dir_->Sub("kill-reference"));
  reference_cluster.StartCoordinator();
  reference_cluster.StartWorker();
  v1::SubmitSweepResponse reference_sweep;
  ASSERT_TRUE(reference_cluster.Submit(spec, &reference_sweep).ok());
  ASSERT_TRUE(reference_cluster.WaitDone(reference_sweep.sweep().id()))
      << reference_cluster.Log("coordinator.log");
  const auto reference = reference_cluster.Results(reference_sweep.sweep().id());

  std::filesystem::create_directories(dir_->Sub("kill"));
  Cluster cluster(dir_->Sub("kill"));
  cluster.StartCoordinator();
  cluster.StartWorker();
  v1::SubmitSweepResponse submitted;
  ASSERT_TRUE(cluster.Submit(spec, &submitted).ok());
  const std::string id = submitted.sweep().id();
  // SIGKILL as soon as the worker says it started a curve shard: in the middle of that job.
  auto curve_lines = [&](const std::string& what) {
    int n = 0;
    std::istringstream log(cluster.Log("worker0.log"));
    for (std::string line; std::getline(log, line);) {
      n += line.find("(task_shard,") != std::string::npos && line.find(what) != std::string::npos;
    }
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return curve_lines(": started") > 0; }, absl::Minutes(2)))
      << cluster.Log("worker0.log");
  cluster.worker(0).Signal(SIGKILL);
  cluster.worker(0).Wait(absl::Seconds(10));
  ASSERT_EQ(curve_lines(": completed"), 0) << "the job finished before the kill";
  cluster.StartWorker();
  ASSERT_TRUE(cluster.WaitDone(id)) << cluster.Log("coordinator.log");
  const v1::Sweep done = cluster.Get(id);
  EXPECT_EQ(done.jobs_done(), done.jobs_total());
  // The killed worker's lease expired and its job ran again on the new worker, counted once: the
  // results equal the undisturbed run's.
  absl::StatusOr<std::string> metrics =
      depthlab::testing::HttpGet(cluster.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(*metrics, HasSubstr("depthlab_coordinator_lease_expirations_total 1"));
  const auto results = cluster.Results(id);
  EXPECT_THAT(results.first, ProtoEq(reference.first));
  EXPECT_THAT(results.second, ProtoEq(reference.second));
}

TEST_F(ServiceTest, ARestartedCoordinatorResumesTheSweepWithTheSameResults) {
  const auto reference = RunOn(1);
  std::filesystem::create_directories(dir_->Sub("restart"));
  Cluster cluster(dir_->Sub("restart"));
  cluster.StartCoordinator();
  cluster.StartWorker();
  cluster.StartWorker();
  v1::SubmitSweepResponse submitted;
  ASSERT_TRUE(cluster.Submit(Spec(), &submitted).ok());
  const std::string id = submitted.sweep().id();
  ASSERT_TRUE(WaitFor([&] { return cluster.Get(id).jobs_done() >= 2; }, absl::Minutes(2)));
  cluster.coordinator().Signal(SIGKILL);
  cluster.coordinator().Wait(absl::Seconds(10));
  cluster.StartCoordinator();
  ASSERT_TRUE(cluster.WaitDone(id)) << cluster.Log("coordinator.log");
  const auto results = cluster.Results(id);
  EXPECT_THAT(results.first, ProtoEq(reference.first));
  EXPECT_THAT(results.second, ProtoEq(reference.second));
  // Resubmitting the same request returns the same sweep; a new identical sweep is answered from
  // the evaluation cache without leasing anything.
  v1::SubmitSweepResponse again;
  ASSERT_TRUE(cluster.Submit(Spec(), &again).ok());
  EXPECT_TRUE(again.created());
  EXPECT_EQ(again.sweep().state(), v1::SWEEP_STATE_SUCCEEDED);
  EXPECT_EQ(again.sweep().jobs_total(), 0);
  EXPECT_EQ(cluster.Get(id).evaluations_cached(), 0);
  EXPECT_GT(again.sweep().evaluations_cached(), 0);
}

// The progress of a sweep's stage named `kind` (e.g. "shapley:loss_shapley"); fails the test if
// absent.
v1::StageProgress Stage(const v1::Sweep& sweep, const std::string& kind) {
  for (const v1::StageProgress& stage : sweep.stages()) {
    if (stage.kind() == kind) return stage;
  }
  ADD_FAILURE() << "sweep " << sweep.id() << " has no stage " << kind;
  return {};
}

TEST_F(ServiceTest, PermutationShapleyHasErrorBarsAndReusesAnExactSweepsCoalitions) {
  std::filesystem::create_directories(dir_->Sub("shapley"));
  Cluster cluster(dir_->Sub("shapley"));
  cluster.StartCoordinator();
  cluster.StartWorker();
  cluster.StartWorker();
  // Loss Shapley over the 6 blocks, exactly (all 64 coalitions), then by permutation sampling
  // within a budget of 40 coalitions, every one of which the exact sweep has valued.
  v1::SweepSpec spec = Spec();
  spec.clear_metrics();
  spec.add_metrics(v1::METRIC_LOSS_SHAPLEY);
  spec.clear_tasks();
  *spec.add_tasks() = Spec().tasks(2);  // perplexity
  spec.set_max_units_removed(2);
  spec.mutable_shapley()->set_estimator(v1::ESTIMATOR_EXACT);
  v1::SubmitSweepResponse exact;
  ASSERT_TRUE(cluster.Submit(spec, &exact).ok());
  ASSERT_TRUE(cluster.WaitDone(exact.sweep().id())) << cluster.Log("coordinator.log");
  spec.mutable_shapley()->set_estimator(v1::ESTIMATOR_PERMUTATION);
  spec.mutable_shapley()->set_budget(40);
  spec.mutable_shapley()->set_seed(5);
  v1::SubmitSweepResponse sampled;
  ASSERT_TRUE(cluster.Submit(spec, &sampled).ok());
  ASSERT_TRUE(cluster.WaitDone(sampled.sweep().id())) << cluster.Log("coordinator.log");

  // The exact sweep ran coalition jobs; the permutation sweep found all of its in the cache.
  // (Jobs hold 4 masks: 64 coalitions over 2 shards of 4 sequences = 32 jobs.)
  EXPECT_EQ(Stage(cluster.Get(exact.sweep().id()), "shapley:loss_shapley").jobs_total(), 32);
  EXPECT_EQ(Stage(cluster.Get(sampled.sweep().id()), "shapley:loss_shapley").jobs_total(), 0);

  const v1::GetInfluenceResponse want = cluster.Results(exact.sweep().id()).first;
  const v1::GetInfluenceResponse got = cluster.Results(sampled.sweep().id()).first;
  ASSERT_EQ(want.entries_size(), 6);
  ASSERT_EQ(got.entries_size(), 6);
  std::map<std::string, v1::InfluenceEntry> sampled_by_unit;  // entries come in rank order
  for (const v1::InfluenceEntry& g : got.entries()) sampled_by_unit[g.unit()] = g;
  double want_sum = 0, got_sum = 0, scale = 0;
  std::set<int> ranks;
  for (const v1::InfluenceEntry& e : want.entries()) {
    ASSERT_EQ(sampled_by_unit.count(e.unit()), 1u) << e.unit();
    const v1::InfluenceEntry& g = sampled_by_unit[e.unit()];
    EXPECT_EQ(e.stderr(), 0) << e.unit();  // exact: no sampling error
    EXPECT_EQ(e.rank_lo(), e.rank());
    EXPECT_EQ(e.rank_hi(), e.rank());
    ranks.insert(e.rank());
    // The sampled value carries a standard error, covers the exact value within 4 of them, and
    // a rank interval around its rank.
    EXPECT_GT(g.stderr(), 0) << g.unit();
    EXPECT_LE(std::abs(g.value() - e.value()), 4 * g.stderr() + 1e-12) << g.unit();
    EXPECT_LE(g.rank_lo(), g.rank());
    EXPECT_GE(g.rank_hi(), g.rank());
    want_sum += e.value();
    got_sum += g.value();
    scale += std::abs(e.value());
  }
  EXPECT_EQ(ranks, (std::set<int>{1, 2, 3, 4, 5, 6}));
  // Each permutation's marginal contributions sum to v(all) - v(none), as exact values do.
  EXPECT_NEAR(got_sum, want_sum, 1e-9 * scale);
}

TEST_F(ServiceTest, PrometheusScrapesTheCurveGauges) {
  std::filesystem::create_directories(dir_->Sub("prom"));
  Cluster cluster(dir_->Sub("prom"));
  cluster.StartCoordinator();
  cluster.StartWorker();
  v1::SubmitSweepResponse submitted;
  ASSERT_TRUE(cluster.Submit(Spec(), &submitted).ok());
  ASSERT_TRUE(cluster.WaitDone(submitted.sweep().id()));
  const int prom_port = depthlab::testing::FreePort();
  const std::string config = dir_->Sub("prom/prometheus.yml");
  std::ofstream(config) << "global:\n  scrape_interval: 1s\nscrape_configs:\n"
                        << "  - job_name: depthlab\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << cluster.metrics_port() << "']\n";
  auto prometheus = *Subprocess::Start({"/usr/bin/prometheus", "--config.file=" + config,
                                        "--storage.tsdb.path=" + dir_->Sub("prom/tsdb"),
                                        absl::StrCat("--web.listen-address=127.0.0.1:", prom_port)},
                                       dir_->Sub("prom/prometheus.log"));
  const std::string query =
      "/api/v1/query?query=depthlab_curve_accuracy%7Bmetric%3D%22cosine%22%2Ctask%3D%22arc%22%2C"
      "units_removed%3D%220%22%7D";
  std::string body;
  ASSERT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<std::string> r = depthlab::testing::HttpGet(prom_port, query);
        if (!r.ok()) return false;
        body = *r;
        return body.find("\"value\"") != std::string::npos;
      },
      absl::Seconds(90)))
      << body << cluster.Log("prom/prometheus.log");
  const auto results = cluster.Results(submitted.sweep().id());
  double expected = -1;
  for (const v1::CurvePoint& p : results.second.points()) {
    if (p.metric() == v1::METRIC_COSINE && p.task() == v1::TASK_KIND_ARC &&
        p.units_removed() == 0) {
      expected = p.accuracy();
    }
  }
  EXPECT_THAT(body, HasSubstr("\"units_removed\":\"0\""));
  // "value":[<time>,"<number>"]
  const size_t at = body.find("\"value\":[");
  ASSERT_NE(at, std::string::npos);
  const size_t quote = body.find('"', body.find(',', at) + 1);
  const double scraped = std::stod(body.substr(quote + 1));
  EXPECT_NEAR(scraped, expected, 1e-12);
}

}  // namespace
}  // namespace depthlab::tests
