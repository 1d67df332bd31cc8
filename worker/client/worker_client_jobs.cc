// The job threads of WorkerClient: run one leased attempt on the executor and report it.
#include <algorithm>
#include <functional>

#include "worker/client/worker_client.h"
#include "worker/client/worker_client_internal.h"

namespace depthlab::worker {
namespace {

using client_internal::AttemptOf;
using client_internal::Describe;
using client_internal::IsTransient;
using client_internal::Log;

// How often a NotFound (the coordinator forgot this worker) re-registers before a report gives up.
constexpr int kMaxReregistrations = 3;

}  // namespace

void WorkerClient::RunJob(Job* job) {
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::JobResult> result;
  int64_t loads = 0;
  {
    absl::MutexLock lock(&executor_mu_);
    loads = -options_.executor->model_loads();
    if (!job->stop) {
      Log(absl::StrCat(Describe(job->lease), ": started"));
      result = options_.executor->Run(job->lease.spec(), [job] { return job->stop.load(); });
    } else {
      result = absl::CancelledError("stopped before it started");
    }
    loads += options_.executor->model_loads();
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const JobOutcome outcome = Report(job, result);
  const v1::JobKind kind = job->lease.spec().kind();
  const int64_t tokens = result.ok() ? result->tokens() : 0;
  if (options_.metrics != nullptr) {
    options_.metrics->RecordModelLoads(loads);
    if (outcome == JobOutcome::kCompleted) {
      options_.metrics->RecordJobCompleted(kind, seconds, tokens, result->unit_forwards());
    } else if (outcome != JobOutcome::kShutdown) {  // HandBackUnfinishedJobs recorded it
      options_.metrics->RecordJobEnded(kind, outcome);
    }
  }
  Log(absl::StrFormat("%s: %s in %.2f s, %.0f tokens/s%s", Describe(job->lease),
                      outcome == JobOutcome::kCompleted ? "completed"
                      : outcome == JobOutcome::kRefused ? "result refused (lease lost)"
                      : outcome == JobOutcome::kFailed  ? "failed"
                      : outcome == JobOutcome::kStopped ? "stopped by the coordinator"
                                                        : "abandoned at shutdown",
                      seconds, seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0,
                      result.ok() ? "" : absl::StrCat(": ", result.status().ToString())));
  absl::MutexLock lock(&mu_);
  job->finished = true;
  cv_.SignalAll();
}

JobOutcome WorkerClient::Report(Job* job, const absl::StatusOr<v1::JobResult>& result) {
  if (!result.ok() && job->stopped_by_coordinator) return JobOutcome::kStopped;
  if (!job->ClaimReport()) return JobOutcome::kShutdown;  // Drain handed it back
  if (result.ok()) {
    v1::CompleteJobRequest request;
    *request.mutable_attempt() = AttemptOf(job->lease);
    *request.mutable_result() = *result;
    const absl::Status status = Deliver([&](const std::string& worker_id) {
      request.set_worker_id(worker_id);
      return connection_->CompleteJob(request).status();
    });
    if (status.ok()) return JobOutcome::kCompleted;
    if (status.code() != absl::StatusCode::kAborted) {
      Log(absl::StrCat(Describe(job->lease), ": CompleteJob failed: ", status.ToString()));
    }
    return JobOutcome::kRefused;
  }
  v1::FailJobRequest request;
  *request.mutable_attempt() = AttemptOf(job->lease);
  request.set_error(result.status().ToString());
  request.set_retryable(runner::IsRetryableJobError(result.status()));
  const absl::Status status = Deliver([&](const std::string& worker_id) {
    request.set_worker_id(worker_id);
    return connection_->FailJob(request);
  });
  if (!status.ok()) Log(absl::StrCat(Describe(job->lease), ": FailJob: ", status.ToString()));
  return JobOutcome::kFailed;
}

// Transient errors retry with backoff (the calls are idempotent per attempt) until the grace
// period of a shutdown is over; NotFound (the coordinator lost this worker) re-registers first.
absl::Status WorkerClient::Deliver(
    const std::function<absl::Status(const std::string& worker_id)>& call) {
  int failures = 0, reregistrations = 0;
  while (true) {
    int64_t registration = 0;
    std::string worker_id;
    {
      absl::MutexLock lock(&mu_);
      registration = registrations_;
      worker_id = worker_id_;
    }
    const absl::Status status = call(worker_id);
    if (status.code() == absl::StatusCode::kNotFound && reregistrations++ < kMaxReregistrations) {
      RequestRegistration();
      absl::MutexLock lock(&mu_);
      while (registrations_ == registration && !abandon_reports_) cv_.Wait(&mu_);
      if (abandon_reports_) return status;
      continue;
    }
    if (!IsTransient(status)) return status;
    if (!SleepUnlessAbandoned(Backoff(++failures))) return status;
  }
}

bool WorkerClient::SleepUnlessAbandoned(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  const absl::Time until = absl::Now() + duration;
  while (!abandon_reports_ && absl::Now() < until) cv_.WaitWithDeadline(&mu_, until);
  return !abandon_reports_;
}

}  // namespace depthlab::worker
