// The lease loop against a fake coordinator on a real loopback gRPC server: a leased job is run
// and completed with the runner's sums, leases are heartbeated while a job runs, a stop in a
// heartbeat response cancels the job, registration waits for a coordinator that starts late (or
// restarts), a refused completion is dropped, and a shutdown finishes or hands back the job.
// Every wait is on a condition with a deadline.
#include "worker/client/worker_client.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "worker/client/testing/fake_worker_service.h"
#include "worker/engine/random_model.h"
#include "worker/runner/job_runner.h"
#include "worker/runner/testing/fake_job_executor.h"

namespace depthlab::worker {
namespace {

using runner::testing::FakeJobExecutor;
using testing::FakeWorkerService;
using ::testing::HasSubstr;
using State = FakeWorkerService::State;

constexpr absl::Duration kDeadline = absl::Seconds(20);

v1::JobSpec SomeJob() {
  v1::JobSpec spec;
  spec.set_kind(v1::JOB_KIND_COALITIONS);
  spec.set_value_kind(v1::VALUE_KIND_LOSS);
  spec.add_masks("1111");
  return spec;
}

bool Lists(const v1::HeartbeatRequest& heartbeat, int64_t job_id) {
  for (const v1::JobAttempt& a : heartbeat.running()) {
    if (a.job_id() == job_id) return true;
  }
  return false;
}

class WorkerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto service = FakeWorkerService::Start();
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
  }
  void TearDown() override {
    if (loop_.joinable()) StopClient();
  }

  WorkerClientOptions Options(runner::JobExecutor* executor) {
    WorkerClientOptions options;
    options.coordinator = service_->address();
    options.name = "test-worker";
    options.executor = executor;
    options.metrics = &metrics_;
    options.lease_wait = absl::Milliseconds(200);
    options.heartbeat_interval = absl::Milliseconds(20);
    options.shutdown_grace = absl::Seconds(20);
    options.rpc_timeout = absl::Seconds(5);
    options.initial_backoff = absl::Milliseconds(10);
    options.max_backoff = absl::Milliseconds(100);
    return options;
  }

  void StartClient(const WorkerClientOptions& options) {
    auto client = WorkerClient::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
    loop_ = std::thread([this] { run_status_ = client_->Run(); });
  }

  void StopClient() {
    client_->Shutdown();
    loop_.join();
  }

  bool WaitFor(const std::function<bool(const State&)>& done) {
    return service_->WaitFor(done, kDeadline);
  }

  std::unique_ptr<FakeWorkerService> service_;
  WorkerMetrics metrics_;
  std::unique_ptr<WorkerClient> client_;
  std::thread loop_;
  absl::Status run_status_ = absl::UnknownError("Run did not return");
};

TEST_F(WorkerClientTest, ALeasedJobRunsOnTheRunnerAndCompletesWithItsSums) {
  ::depthlab::testing::TempDir dir;
  engine::RandomModelOptions model;
  model.config.num_hidden_layers = 2;
  ASSERT_TRUE(engine::WriteRandomModel(dir.Sub("model"), model).ok());
  std::ofstream(dir.Sub("calibration.txt"))
      << "A plain text document about rivers and hills, long enough for a few sequences.";
  v1::JobSpec spec = SomeJob();
  spec.set_model_path(dir.Sub("model"));
  spec.set_model_hash("hash-a");
  spec.mutable_calibration()->mutable_calibration()->set_path(dir.Sub("calibration.txt"));
  spec.mutable_calibration()->mutable_calibration()->set_seq_len(8);
  spec.mutable_calibration()->set_num_sequences(3);
  spec.set_masks(0, "1111");
  spec.add_masks("1001");
  const runner::JobRunnerOptions runner_options{.device = "cpu", .num_threads = 1};
  auto runner = runner::JobRunner::Create(runner_options);
  auto reference = runner::JobRunner::Create(runner_options);
  ASSERT_TRUE(runner.ok() && reference.ok());
  auto expected = (*reference)->Run(spec, [] { return false; });
  ASSERT_TRUE(expected.ok()) << expected.status();

  service_->AddJob(7, spec);
  StartClient(Options(runner->get()));
  ASSERT_TRUE(WaitFor([](const State& s) { return !s.completions.empty(); }));
  const v1::CompleteJobRequest done = service_->state().completions[0];
  EXPECT_EQ(done.worker_id(), "w1");
  EXPECT_EQ(done.attempt().job_id(), 7);
  EXPECT_EQ(done.attempt().attempt(), 1);
  ASSERT_EQ(done.result().values_size(), 2);
  for (int m = 0; m < 2; ++m) {
    EXPECT_EQ(done.result().values(m).mask(), expected->values(m).mask());
    EXPECT_EQ(done.result().values(m).sum(), expected->values(m).sum());
    EXPECT_EQ(done.result().values(m).count(), expected->values(m).count());
  }
  // Later polls name the model now held, for affinity.
  ASSERT_TRUE(WaitFor([](const State& s) {
    return !s.leases.empty() && s.leases.back().held_model_hashes_size() == 1 &&
           s.leases.back().held_model_hashes(0) == "hash-a";
  }));
  StopClient();
  EXPECT_TRUE(run_status_.ok()) << run_status_;
  const std::string text = metrics_.Text();
  EXPECT_THAT(text,
              HasSubstr(R"(depthlab_worker_jobs_total{kind="coalitions",outcome="completed"} 1)"));
  EXPECT_THAT(text, HasSubstr("depthlab_worker_model_loads_total 1"));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("depthlab_worker_tokens_total ", expected->tokens())));
  EXPECT_GT(expected->unit_forwards(), 0);
  EXPECT_THAT(text, HasSubstr(absl::StrCat("depthlab_worker_unit_forwards_total ",
                                           expected->unit_forwards())));
}

TEST_F(WorkerClientTest, HeartbeatsListTheRunningAttemptUntilItCompletes) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  ASSERT_TRUE(WaitFor([](const State& s) {
    int listing = 0;
    for (const auto& h : s.heartbeats) listing += Lists(h, 1);
    return listing >= 3;
  }));
  EXPECT_EQ(service_->state().heartbeats[0].held_model_hashes(0), "fake-model-hash");
  EXPECT_TRUE(service_->state().completions.empty());
  executor.Release();
  ASSERT_TRUE(WaitFor([](const State& s) { return s.completions.size() == 1; }));
}

TEST_F(WorkerClientTest, AStopInAHeartbeatResponseCancelsTheJobWithoutAReport) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  service_->StopJob(1);
  ASSERT_TRUE(executor.WaitForStops(1, kDeadline));
  // The next job runs only after the stopped one was dealt with.
  executor.Release();
  service_->AddJob(2, SomeJob());
  ASSERT_TRUE(WaitFor([](const State& s) { return !s.completions.empty(); }));
  const State state = service_->state();
  ASSERT_EQ(state.completions.size(), 1u);
  EXPECT_EQ(state.completions[0].attempt().job_id(), 2);
  EXPECT_TRUE(state.failures.empty());
  EXPECT_TRUE(state.refused.empty());
  StopClient();
  EXPECT_THAT(metrics_.Text(),
              HasSubstr(R"(depthlab_worker_jobs_total{kind="coalitions",outcome="stopped"} 1)"));
}

TEST_F(WorkerClientTest, RegistrationRetriesUntilTheCoordinatorStarts) {
  FakeJobExecutor executor;
  const WorkerClientOptions options = Options(&executor);
  const int port = service_->port();
  service_.reset();  // nothing listens on `port` now
  StartClient(options);
  ASSERT_TRUE(client_->WaitForRegisterAttempts(3, kDeadline));
  EXPECT_EQ(client_->worker_id(), "");
  auto service = FakeWorkerService::Start(port);
  ASSERT_TRUE(service.ok()) << service.status();
  service_ = std::move(*service);
  service_->AddJob(1, SomeJob());
  ASSERT_TRUE(WaitFor([](const State& s) { return s.completions.size() == 1; }));
  EXPECT_EQ(service_->state().registrations, 1);
  EXPECT_EQ(client_->worker_id(), "w1");
}

TEST_F(WorkerClientTest, ACoordinatorThatForgetsTheWorkerGetsItRegisteredAgain) {
  FakeJobExecutor executor;
  StartClient(Options(&executor));
  ASSERT_TRUE(WaitFor([](const State& s) { return s.registrations == 1; }));
  service_->ForgetWorkers();
  ASSERT_TRUE(WaitFor([](const State& s) { return s.registrations == 2; }));
  service_->AddJob(1, SomeJob());
  ASSERT_TRUE(WaitFor([](const State& s) { return s.completions.size() == 1; }));
  EXPECT_EQ(service_->state().completions[0].worker_id(), "w2");
  EXPECT_GE(service_->state().not_found, 1);
}

TEST_F(WorkerClientTest, CompletionIsRetriedAcrossACoordinatorRestart) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  const int port = service_->port();
  service_.reset();
  executor.Release();  // CompleteJob now fails with UNAVAILABLE and is retried
  auto restarted = FakeWorkerService::Start(port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  service_ = std::move(*restarted);
  service_->AdoptAttempt(1, 1);  // its state survived; its workers' ids did not
  ASSERT_TRUE(WaitFor([](const State& s) { return s.completions.size() == 1; }));
  EXPECT_EQ(service_->state().completions[0].attempt().job_id(), 1);
  EXPECT_EQ(service_->state().registrations, 1);
}

TEST_F(WorkerClientTest, ARefusedCompletionIsDroppedAndTheLoopGoesOn) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  service_->ExpireLease(1);
  executor.Release();
  ASSERT_TRUE(WaitFor([](const State& s) { return s.refused.size() == 1; }));
  service_->AddJob(2, SomeJob());
  ASSERT_TRUE(WaitFor([](const State& s) { return s.completions.size() == 1; }));
  EXPECT_EQ(service_->state().refused.size(), 1u);  // not retried
  EXPECT_TRUE(service_->state().failures.empty());
}

TEST_F(WorkerClientTest, FailedJobsAreReportedRetryableOrNotByTheirCode) {
  FakeJobExecutor executor;
  executor.set_result(absl::InvalidArgumentError("masks[0]: bad"));
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(WaitFor([](const State& s) { return s.failures.size() == 1; }));
  executor.set_result(absl::ResourceExhaustedError("out of device memory"));
  service_->AddJob(2, SomeJob());
  ASSERT_TRUE(WaitFor([](const State& s) { return s.failures.size() == 2; }));
  const State state = service_->state();
  EXPECT_FALSE(state.failures[0].retryable());
  EXPECT_THAT(state.failures[0].error(), HasSubstr("masks[0]: bad"));
  EXPECT_TRUE(state.failures[1].retryable());
}

TEST_F(WorkerClientTest, ShutdownLetsARunningJobFinishAndReportIt) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  StartClient(Options(&executor));
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  service_->AddJob(2, SomeJob());  // must not be leased any more
  client_->Shutdown();
  executor.Release();
  loop_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_;
  const State state = service_->state();
  ASSERT_EQ(state.completions.size(), 1u);
  EXPECT_EQ(state.completions[0].attempt().job_id(), 1);
  EXPECT_EQ(executor.runs_started(), 1);
}

TEST_F(WorkerClientTest, ShutdownHandsBackAJobThatOutlastsTheGracePeriod) {
  FakeJobExecutor executor;
  executor.set_blocking(true);
  service_->AddJob(1, SomeJob());
  WorkerClientOptions options = Options(&executor);
  options.shutdown_grace = absl::Milliseconds(100);
  StartClient(options);
  ASSERT_TRUE(executor.WaitForRuns(1, kDeadline));
  StopClient();
  EXPECT_TRUE(run_status_.ok()) << run_status_;
  const State state = service_->state();
  ASSERT_EQ(state.failures.size(), 1u);
  EXPECT_TRUE(state.failures[0].retryable());
  EXPECT_EQ(state.failures[0].error(), "worker shutting down");
  EXPECT_TRUE(state.completions.empty());
  EXPECT_EQ(executor.runs_stopped(), 1);
  EXPECT_THAT(metrics_.Text(),
              HasSubstr(R"(depthlab_worker_jobs_total{kind="coalitions",outcome="shutdown"} 1)"));
}

TEST(WorkerClientOptionsTest, BadOptionsAreInvalidArgument) {
  FakeJobExecutor executor;
  WorkerClientOptions options;
  options.executor = &executor;
  EXPECT_EQ(WorkerClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.coordinator = "127.0.0.1:1";
  options.executor = nullptr;
  EXPECT_EQ(WorkerClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace depthlab::worker
