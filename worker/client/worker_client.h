// The worker's lease loop over the coordinator's WorkerService: registers (retrying while the
// coordinator is unavailable; again if it forgets this worker), long-polls LeaseJobs with the
// models held, runs each leased job on a thread of its own while the calling thread heartbeats
// the running attempts (stopping the ones the coordinator lists), then reports CompleteJob
// (retried on Unavailable with the same attempt; a refusal drops the result) or FailJob (retryable
// as IsRetryableJobError says). Shutdown stops leasing, lets running jobs finish and report within
// the grace period, and hands back the rest with a retryable FailJob ("worker shutting down").
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto client, WorkerClient::Create({.coordinator = "host:50051",
//                                                                .executor = runner.get()}));
//   std::thread loop([&] { status = client->Run(); });
//   ... client->Shutdown(); loop.join();
#ifndef DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_H_
#define DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "depthlab/v1/worker_service.pb.h"
#include "worker/client/coordinator_connection.h"
#include "worker/client/worker_metrics.h"
#include "worker/runner/job_executor.h"

namespace depthlab::worker {

struct WorkerClientOptions {
  std::string coordinator;                  // HOST:PORT of the coordinator (required)
  std::string name;                         // shown by the coordinator; "" = this host's name
  std::string metrics_address;              // HOST:PORT of this worker's /metrics; "" = none
  runner::JobExecutor* executor = nullptr;  // runs the jobs (required; not owned)
  WorkerMetrics* metrics = nullptr;         // records job outcomes (optional; not owned)
  // Leases held at once; their jobs take turns on the executor.
  int max_jobs = 1;
  absl::Duration lease_wait = absl::Seconds(5);              // LeaseJobs long-poll
  absl::Duration heartbeat_interval = absl::ZeroDuration();  // 0 = as the coordinator says
  absl::Duration shutdown_grace = absl::Seconds(60);
  absl::Duration rpc_timeout = absl::Seconds(10);
  absl::Duration initial_backoff = absl::Milliseconds(100);  // after failed calls, doubling
  absl::Duration max_backoff = absl::Seconds(5);
};

// Thread-safe. The executor and metrics must outlive the client.
class WorkerClient {
 public:
  // InvalidArgument for a missing coordinator address or executor, or max_jobs < 1.
  static absl::StatusOr<std::unique_ptr<WorkerClient>> Create(const WorkerClientOptions& options);
  // REQUIRES: Run is not running.
  ~WorkerClient();

  // The lease loop, on the calling thread, until Shutdown: OK after a graceful shutdown; an error
  // only when the coordinator refuses registration for good (e.g. InvalidArgument).
  absl::Status Run();
  // Starts a graceful shutdown (idempotent; returns at once; not async-signal-safe).
  void Shutdown();

  // The id the coordinator gave this worker ("" before registering).
  std::string worker_id() const;
  // Waits until at least `n` registration attempts were made; false on timeout. For tests.
  bool WaitForRegisterAttempts(int64_t n, absl::Duration timeout) const;

 private:
  struct Job;
  WorkerClient(const WorkerClientOptions& options,
               std::unique_ptr<CoordinatorConnection> connection);

  // The loop thread.
  absl::Status Register();
  void LeaseOnce();
  void StartJob(const v1::Lease& lease);
  void HeartbeatIfDue();
  void ReapFinishedJobs();
  void Drain();
  void HandBackUnfinishedJobs();
  void HandBack(const v1::Lease& lease, const std::string& reason);
  // Waits until a job finished, a shutdown or re-registration is due, or `deadline`.
  void WaitForEvent(absl::Time deadline);

  // Job threads.
  void RunJob(Job* job);
  JobOutcome Report(Job* job, const absl::StatusOr<v1::JobResult>& result);
  // Calls `call` with the current worker id until it is not transient; see worker_client.cc.
  absl::Status Deliver(const std::function<absl::Status(const std::string& worker_id)>& call);
  bool SleepUnlessAbandoned(absl::Duration duration);

  absl::Duration Backoff(int failures) const;
  bool shutting_down() const;
  void RequestRegistration();

  const WorkerClientOptions options_;
  const std::unique_ptr<CoordinatorConnection> connection_;
  absl::Mutex executor_mu_;  // one job at a time on the executor

  mutable absl::Mutex mu_;
  absl::CondVar cv_;  // signalled on every change below
  std::string worker_id_ ABSL_GUARDED_BY(mu_);
  int64_t registrations_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t register_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  bool need_register_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration heartbeat_interval_ ABSL_GUARDED_BY(mu_) = absl::Seconds(10);
  absl::Time next_heartbeat_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int lease_failures_ ABSL_GUARDED_BY(mu_) = 0;
  int heartbeat_failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time shutdown_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool abandon_reports_ ABSL_GUARDED_BY(mu_) = false;  // the grace period is over
  std::vector<std::unique_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_H_
