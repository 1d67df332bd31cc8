#include "worker/client/worker_client.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "worker/client/worker_client_internal.h"

namespace depthlab::worker {
namespace {

using client_internal::AttemptOf;
using client_internal::Describe;
using client_internal::IsTransient;
using client_internal::Log;

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "worker";
  return name;
}

}  // namespace

WorkerClient::WorkerClient(const WorkerClientOptions& options,
                           std::unique_ptr<CoordinatorConnection> connection)
    : options_(options), connection_(std::move(connection)) {}

WorkerClient::~WorkerClient() = default;

absl::StatusOr<std::unique_ptr<WorkerClient>> WorkerClient::Create(
    const WorkerClientOptions& options) {
  if (options.executor == nullptr || options.max_jobs < 1) {
    return absl::InvalidArgumentError("worker client: an executor and max_jobs >= 1 are required");
  }
  DEPTHLAB_ASSIGN_OR_RETURN(
      std::unique_ptr<CoordinatorConnection> connection,
      CoordinatorConnection::Create({.address = options.coordinator,
                                     .rpc_timeout = options.rpc_timeout,
                                     .max_reconnect_backoff = options.max_backoff}));
  WorkerClientOptions resolved = options;
  if (resolved.name.empty()) resolved.name = HostName();
  return std::unique_ptr<WorkerClient>(new WorkerClient(resolved, std::move(connection)));
}

std::string WorkerClient::worker_id() const {
  absl::MutexLock lock(&mu_);
  return worker_id_;
}

bool WorkerClient::WaitForRegisterAttempts(int64_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return register_attempts_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool WorkerClient::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

absl::Duration WorkerClient::Backoff(int failures) const {
  absl::Duration delay = options_.initial_backoff;
  for (int i = 1; i < failures && delay < options_.max_backoff; ++i) delay *= 2;
  return std::min(delay, options_.max_backoff);
}

void WorkerClient::RequestRegistration() {
  absl::MutexLock lock(&mu_);
  need_register_ = true;
  cv_.SignalAll();
}

void WorkerClient::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return;
    shutting_down_ = true;
    shutdown_deadline_ = absl::Now() + options_.shutdown_grace;
    cv_.SignalAll();
  }
  connection_->CancelLongPolls();
}

absl::Status WorkerClient::Run() {
  absl::Status status = Register();
  while (status.ok() && !shutting_down()) {
    ReapFinishedJobs();
    bool reregister = false, slot_free = false;
    {
      absl::MutexLock lock(&mu_);
      reregister = need_register_;
      slot_free = static_cast<int>(jobs_.size()) < options_.max_jobs;
    }
    if (reregister) {
      status = Register();
      continue;
    }
    HeartbeatIfDue();
    if (slot_free) {
      LeaseOnce();
    } else {
      absl::Time next;
      {
        absl::MutexLock lock(&mu_);
        next = next_heartbeat_;
      }
      WaitForEvent(next);
    }
  }
  if (!status.ok()) Shutdown();
  Drain();
  return status;
}

absl::Status WorkerClient::Register() {
  v1::RegisterWorkerRequest request;
  request.set_name(options_.name);
  request.set_metrics_address(options_.metrics_address);
  for (int failures = 0;;) {
    {
      absl::MutexLock lock(&mu_);
      if (shutting_down_) return absl::OkStatus();
      ++register_attempts_;
    }
    request.set_device(options_.executor->device());
    const absl::StatusOr<v1::RegisterWorkerResponse> response = connection_->Register(request);
    if (response.ok()) {
      absl::MutexLock lock(&mu_);
      worker_id_ = response->worker_id();
      if (options_.heartbeat_interval > absl::ZeroDuration()) {
        heartbeat_interval_ = options_.heartbeat_interval;
      } else if (response->heartbeat_interval_ms() > 0) {
        heartbeat_interval_ = absl::Milliseconds(response->heartbeat_interval_ms());
      }
      need_register_ = false;
      ++registrations_;
      cv_.SignalAll();
      Log(absl::StrCat("registered with ", options_.coordinator, " as ", worker_id_, " (",
                       request.device(), ")"));
      return absl::OkStatus();
    }
    if (!IsTransient(response.status())) {
      return absl::Status(response.status().code(),
                          absl::StrCat("registering with ", options_.coordinator, ": ",
                                       response.status().message()));
    }
    if (failures++ % 10 == 0) {
      Log(absl::StrCat("coordinator ", options_.coordinator, " not reachable (",
                       response.status().message(), "); retrying"));
    }
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + Backoff(failures);
    while (!shutting_down_ && absl::Now() < until) cv_.WaitWithDeadline(&mu_, until);
  }
}

void WorkerClient::LeaseOnce() {
  v1::LeaseJobsRequest request;
  absl::Duration wait = options_.lease_wait;
  {
    absl::MutexLock lock(&mu_);
    request.set_worker_id(worker_id_);
    request.set_max_jobs(options_.max_jobs - static_cast<int>(jobs_.size()));
    if (!jobs_.empty()) {
      wait = std::clamp(next_heartbeat_ - absl::Now(), absl::ZeroDuration(), wait);
    }
  }
  request.set_wait_ms(static_cast<int32_t>(absl::ToInt64Milliseconds(wait)));
  for (const std::string& hash : options_.executor->HeldModelHashes()) {
    request.add_held_model_hashes(hash);
  }
  const absl::Time start = absl::Now();
  const absl::StatusOr<v1::LeaseJobsResponse> response = connection_->LeaseJobs(request);
  if (response.ok()) {
    {
      absl::MutexLock lock(&mu_);
      lease_failures_ = 0;
    }
    for (const v1::Lease& lease : response->leases()) StartJob(lease);
    // A coordinator that answers an empty poll early must not make this loop spin.
    if (response->leases().empty()) WaitForEvent(start + wait);
    return;
  }
  if (response.status().code() == absl::StatusCode::kCancelled && shutting_down()) return;
  if (response.status().code() == absl::StatusCode::kNotFound) {
    Log(absl::StrCat("coordinator does not know this worker (", response.status().message(),
                     "); registering again"));
    RequestRegistration();
    return;
  }
  absl::Time until;
  {
    absl::MutexLock lock(&mu_);
    if (lease_failures_++ % 10 == 0) {
      Log(absl::StrCat("LeaseJobs failed: ", response.status().ToString(), "; retrying"));
    }
    until = absl::Now() + Backoff(lease_failures_);
    if (!jobs_.empty()) until = std::min(until, next_heartbeat_);
  }
  WaitForEvent(until);
}

void WorkerClient::StartJob(const v1::Lease& lease) {
  {
    absl::MutexLock lock(&mu_);
    if (!shutting_down_) {
      if (jobs_.empty()) next_heartbeat_ = absl::Now() + heartbeat_interval_;
      jobs_.push_back(std::make_unique<Job>());
      Job* job = jobs_.back().get();
      job->lease = lease;
      job->thread = std::thread([this, job] { RunJob(job); });
      return;
    }
  }
  HandBack(lease, "worker shutting down");  // leased while shutting down
}

void WorkerClient::HeartbeatIfDue() {
  v1::HeartbeatRequest request;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    if (now < next_heartbeat_) return;
    next_heartbeat_ = now + heartbeat_interval_;
    for (const auto& job : jobs_) {
      if (!job->finished) *request.add_running() = AttemptOf(job->lease);
    }
    if (request.running().empty()) return;
    request.set_worker_id(worker_id_);
  }
  for (const std::string& hash : options_.executor->HeldModelHashes()) {
    request.add_held_model_hashes(hash);
  }
  const absl::StatusOr<v1::HeartbeatResponse> response = connection_->Heartbeat(request);
  absl::MutexLock lock(&mu_);
  if (!response.ok()) {
    if (heartbeat_failures_++ % 10 == 0) {
      Log(absl::StrCat("Heartbeat failed: ", response.status().ToString()));
    }
    if (response.status().code() == absl::StatusCode::kNotFound) need_register_ = true;
    cv_.SignalAll();
    return;
  }
  heartbeat_failures_ = 0;
  for (const v1::JobAttempt& stop : response->stop()) {
    for (const auto& job : jobs_) {
      if (job->lease.job_id() != stop.job_id() || job->lease.attempt() != stop.attempt()) continue;
      job->stopped_by_coordinator = true;
      job->stop = true;
    }
  }
}

void WorkerClient::WaitForEvent(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto event = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shutting_down_ || need_register_) return true;
    return std::any_of(jobs_.begin(), jobs_.end(), [](const auto& job) { return job->finished; });
  };
  while (!event() && absl::Now() < deadline) cv_.WaitWithDeadline(&mu_, deadline);
}

void WorkerClient::ReapFinishedJobs() {
  std::vector<std::unique_ptr<Job>> done;
  {
    absl::MutexLock lock(&mu_);
    auto finished = std::stable_partition(jobs_.begin(), jobs_.end(),
                                          [](const auto& job) { return !job->finished; });
    std::move(finished, jobs_.end(), std::back_inserter(done));
    jobs_.erase(finished, jobs_.end());
  }
  for (const auto& job : done) job->thread.join();
}

void WorkerClient::Drain() {
  while (true) {
    ReapFinishedJobs();
    absl::Time until;
    {
      absl::MutexLock lock(&mu_);
      if (jobs_.empty() || absl::Now() >= shutdown_deadline_) break;
      until = std::min(shutdown_deadline_, next_heartbeat_);
    }
    HeartbeatIfDue();
    WaitForEvent(until);
  }
  HandBackUnfinishedJobs();
  {
    absl::MutexLock lock(&mu_);
    abandon_reports_ = true;
    cv_.SignalAll();
  }
  std::vector<std::unique_ptr<Job>> jobs;
  {
    absl::MutexLock lock(&mu_);
    jobs.swap(jobs_);
  }
  for (const auto& job : jobs) job->thread.join();
}

void WorkerClient::HandBackUnfinishedJobs() {
  std::vector<v1::Lease> leases;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& job : jobs_) {
      if (job->finished || !job->ClaimReport()) continue;
      job->stop = true;
      leases.push_back(job->lease);
    }
  }
  for (const v1::Lease& lease : leases) {
    HandBack(lease, "worker shutting down");
    if (options_.metrics != nullptr) {
      options_.metrics->RecordJobEnded(lease.spec().kind(), JobOutcome::kShutdown);
    }
  }
}

void WorkerClient::HandBack(const v1::Lease& lease, const std::string& reason) {
  v1::FailJobRequest request;
  request.set_worker_id(worker_id());
  *request.mutable_attempt() = AttemptOf(lease);
  request.set_error(reason);
  request.set_retryable(true);
  const absl::Status status = connection_->FailJob(request);
  Log(absl::StrCat(Describe(lease), ": handed back (", reason, ")",
                   status.ok() ? "" : absl::StrCat("; FailJob: ", status.ToString())));
}

}  // namespace depthlab::worker
