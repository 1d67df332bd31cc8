// Coordinator's WorkerService half: registration, leases, heartbeats, reports, lease expiry.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/hashing.h"
#include "common/status_macros.h"
#include "coordinator/core/coordinator.h"
#include "store/job_repository.h"
#include "store/worker_repository.h"

namespace depthlab::core {

namespace v1 = ::depthlab::v1;

absl::StatusOr<v1::RegisterWorkerResponse> Coordinator::Register(
    const v1::RegisterWorkerRequest& request) {
  store::WorkerRow worker;
  const std::string name = request.name().empty() ? "worker" : request.name();
  // Unique per registration: a restarted worker is a new worker (its old leases expire).
  worker.id = absl::StrCat(
      name, "-", HashString(absl::StrCat(name, absl::ToUnixNanos(absl::Now()))).substr(0, 8));
  worker.name = name;
  worker.address = request.metrics_address();
  store::WorkerRepository workers(*store_);
  DEPTHLAB_RETURN_IF_ERROR(workers.Register(worker, absl::Now()).status());
  v1::RegisterWorkerResponse response;
  response.set_worker_id(worker.id);
  response.set_heartbeat_interval_ms(
      static_cast<int>(absl::ToInt64Milliseconds(options_.heartbeat_interval)));
  response.set_lease_duration_ms(
      static_cast<int>(absl::ToInt64Milliseconds(options_.lease_duration)));
  RefreshGauges();
  return response;
}

absl::StatusOr<v1::LeaseJobsResponse> Coordinator::Lease(const v1::LeaseJobsRequest& request) {
  if (request.max_jobs() < 0 || request.wait_ms() < 0) {
    return absl::InvalidArgumentError("max_jobs, wait_ms: must be >= 0");
  }
  store::WorkerRepository workers(*store_);
  DEPTHLAB_RETURN_IF_ERROR(workers.Heartbeat(request.worker_id(), absl::Now()));
  const std::vector<std::string> held(request.held_model_hashes().begin(),
                                      request.held_model_hashes().end());
  const absl::Time deadline = absl::Now() + absl::Milliseconds(std::min(request.wait_ms(), 60000));
  store::JobRepository jobs(*store_);
  int64_t version = 0;
  {
    absl::MutexLock lock(&change_mu_);
    version = version_;
  }
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::LeasedJob> leased,
                              jobs.Lease(request.worker_id(), held, std::max(1, request.max_jobs()),
                                         options_.lease_duration, absl::Now()));
    if (!leased.empty() || absl::Now() >= deadline) {
      v1::LeaseJobsResponse response;
      for (const store::LeasedJob& job : leased) {
        v1::Lease* lease = response.add_leases();
        lease->set_job_id(job.job_id);
        lease->set_attempt(job.attempt);
        if (!lease->mutable_spec()->ParseFromString(job.payload)) {
          return absl::DataLossError(
              absl::StrCat("job ", job.job_id, ": stored spec does not parse"));
        }
        lease->set_expires_unix_micros(absl::ToUnixMicros(job.lease_expires_at));
      }
      if (!leased.empty()) Changed();
      return response;
    }
    // Wake on any change (new jobs, expired leases) or after a short poll for backoff expiry.
    WaitForChange(&version, std::min(deadline - absl::Now(), absl::Milliseconds(500)));
  }
}

absl::StatusOr<v1::HeartbeatResponse> Coordinator::Heartbeat(const v1::HeartbeatRequest& request) {
  store::WorkerRepository workers(*store_);
  DEPTHLAB_RETURN_IF_ERROR(workers.Heartbeat(request.worker_id(), absl::Now()));
  DEPTHLAB_RETURN_IF_ERROR(
      workers.SetModels(request.worker_id(),
                        {request.held_model_hashes().begin(), request.held_model_hashes().end()}));
  std::vector<store::JobAttempt> held;
  for (const v1::JobAttempt& a : request.running()) held.push_back({a.job_id(), a.attempt()});
  store::JobRepository jobs(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(
      store::HeartbeatResult result,
      jobs.Heartbeat(request.worker_id(), held, options_.lease_duration, absl::Now()));
  v1::HeartbeatResponse response;
  for (const auto* list : {&result.cancelled, &result.lost}) {
    for (const store::JobAttempt& a : *list) {
      v1::JobAttempt* stop = response.add_stop();
      stop->set_job_id(a.job_id);
      stop->set_attempt(a.attempt);
    }
  }
  return response;
}

absl::StatusOr<v1::CompleteJobResponse> Coordinator::Complete(
    const v1::CompleteJobRequest& request) {
  const int64_t job_id = request.attempt().job_id();
  const int attempt = request.attempt().attempt();
  store::JobRepository jobs(*store_);
  store::CompleteResult completed;
  std::string kind;
  {
    absl::MutexLock lock(&advance_mu_);
    DEPTHLAB_RETURN_IF_ERROR(store_->RunInTransaction([&](store::Transaction&) -> absl::Status {
      DEPTHLAB_ASSIGN_OR_RETURN(store::JobRow job, jobs.Get(job_id));
      kind = job.kind;
      DEPTHLAB_ASSIGN_OR_RETURN(completed,
                                jobs.Complete(job_id, attempt, request.worker_id(),
                                              request.result().SerializeAsString(), absl::Now()));
      if (completed.already_completed) return absl::OkStatus();
      return driver_.CacheResult(job, request.result(), absl::Now());
    }));
  }
  v1::CompleteJobResponse response;
  response.set_duplicate(completed.already_completed);
  if (!completed.already_completed) {
    if (metrics_ != nullptr) metrics_->RecordJobCompleted(kind);
    DEPTHLAB_RETURN_IF_ERROR(Advance(completed.sweep_id));
    RefreshGauges();
  }
  return response;
}

absl::Status Coordinator::Fail(const v1::FailJobRequest& request) {
  store::JobRepository jobs(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(store::JobRow job, jobs.Get(request.attempt().job_id()));
  store::JobFailure failure;
  failure.error = request.error();
  failure.retryable = request.retryable();
  failure.backoff = options_.retry_backoff * (1 << std::min(job.attempt - 1, 6));
  {
    absl::MutexLock lock(&advance_mu_);
    DEPTHLAB_RETURN_IF_ERROR(jobs.Fail(request.attempt().job_id(), request.attempt().attempt(),
                                       request.worker_id(), failure, absl::Now())
                                 .status());
  }
  if (metrics_ != nullptr) metrics_->RecordJobFailed(job.kind, request.retryable());
  Changed();
  RefreshGauges();
  return absl::OkStatus();
}

absl::Status Coordinator::ExpireLeases() {
  store::JobRepository jobs(*store_);
  std::vector<store::ExpiredLease> expired;
  {
    absl::MutexLock lock(&advance_mu_);
    DEPTHLAB_ASSIGN_OR_RETURN(expired, jobs.ExpireLeases(absl::Now()));
  }
  store::WorkerRepository workers(*store_);
  DEPTHLAB_RETURN_IF_ERROR(workers.MarkGone(options_.worker_timeout, absl::Now()).status());
  if (!expired.empty()) {
    for (size_t i = 0; i < expired.size(); ++i) {
      if (metrics_ != nullptr) metrics_->RecordLeaseExpired();
    }
    Changed();
  }
  return absl::OkStatus();
}

void Coordinator::RefreshGauges() {
  if (metrics_ == nullptr) return;
  store::JobRepository jobs(*store_);
  absl::StatusOr<store::JobCounts> counts = jobs.Counts();
  if (counts.ok()) {
    metrics_->SetJobsByState("queued", counts->queued);
    metrics_->SetJobsByState("leased", counts->leased);
    metrics_->SetJobsByState("succeeded", counts->succeeded);
    metrics_->SetJobsByState("failed", counts->failed);
    metrics_->SetJobsByState("cancelled", counts->cancelled);
  }
  store::WorkerRepository workers(*store_);
  absl::StatusOr<std::vector<store::WorkerRow>> active = workers.ListActive();
  if (active.ok()) metrics_->SetWorkersConnected(static_cast<double>(active->size()));
}

void Coordinator::ExpiryLoop() {
  while (true) {
    {
      absl::MutexLock lock(&change_mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(change_mu_) { return stopping_; };
      change_mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.expiry_interval);
      if (stopping_) return;
    }
    ExpireLeases().IgnoreError();
    RefreshGauges();
  }
}

}  // namespace depthlab::core
