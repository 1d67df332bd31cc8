#include "worker/client/testing/fake_worker_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace depthlab::worker::testing {

absl::StatusOr<std::unique_ptr<FakeWorkerService>> FakeWorkerService::Start(int port) {
  std::unique_ptr<FakeWorkerService> service(new FakeWorkerService());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                           &service->port_);
  builder.RegisterService(service.get());
  service->server_ = builder.BuildAndStart();
  if (service->server_ == nullptr || service->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("fake coordinator: cannot listen on port ", port));
  }
  return service;
}

FakeWorkerService::~FakeWorkerService() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;  // wakes pending long-polls
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
}

void FakeWorkerService::AddJob(int64_t job_id, const v1::JobSpec& spec) {
  absl::MutexLock lock(&mu_);
  int32_t attempt = 1;
  for (const auto& [job, done] : completed_) {
    if (job == job_id) attempt = std::max(attempt, done + 1);
  }
  if (auto it = current_attempt_.find(job_id); it != current_attempt_.end()) {
    attempt = std::max(attempt, it->second + 1);
  }
  v1::Lease lease;
  lease.set_job_id(job_id);
  lease.set_attempt(attempt);
  *lease.mutable_spec() = spec;
  current_attempt_[job_id] = attempt;
  queue_.push_back(std::move(lease));
}

void FakeWorkerService::StopJob(int64_t job_id) {
  absl::MutexLock lock(&mu_);
  auto it = current_attempt_.find(job_id);
  if (it == current_attempt_.end()) return;
  v1::JobAttempt stop;
  stop.set_job_id(job_id);
  stop.set_attempt(it->second);
  stops_.push_back(stop);
  current_attempt_.erase(it);
}

void FakeWorkerService::ExpireLease(int64_t job_id) {
  absl::MutexLock lock(&mu_);
  current_attempt_.erase(job_id);
}

void FakeWorkerService::AdoptAttempt(int64_t job_id, int32_t attempt) {
  absl::MutexLock lock(&mu_);
  current_attempt_[job_id] = attempt;
}

void FakeWorkerService::ForgetWorkers() {
  absl::MutexLock lock(&mu_);
  workers_.clear();
}

void FakeWorkerService::set_heartbeat_interval_ms(int ms) {
  absl::MutexLock lock(&mu_);
  heartbeat_interval_ms_ = ms;
}

FakeWorkerService::State FakeWorkerService::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

bool FakeWorkerService::WaitFor(const std::function<bool(const State&)>& done,
                                absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto holds = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(state_); };
  return mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
}

grpc::Status FakeWorkerService::CheckWorker(const std::string& worker_id) {
  if (workers_.count(worker_id) > 0) return grpc::Status::OK;
  ++state_.not_found;
  return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("worker ", worker_id, " unknown"));
}

grpc::Status FakeWorkerService::RegisterWorker(grpc::ServerContext*,
                                               const v1::RegisterWorkerRequest*,
                                               v1::RegisterWorkerResponse* response) {
  absl::MutexLock lock(&mu_);
  const std::string id = absl::StrCat("w", next_worker_++);
  workers_.insert(id);
  ++state_.registrations;
  response->set_worker_id(id);
  response->set_heartbeat_interval_ms(heartbeat_interval_ms_);
  response->set_lease_duration_ms(10 * heartbeat_interval_ms_);
  return grpc::Status::OK;
}

grpc::Status FakeWorkerService::LeaseJobs(grpc::ServerContext*, const v1::LeaseJobsRequest* request,
                                          v1::LeaseJobsResponse* response) {
  absl::MutexLock lock(&mu_);
  state_.leases.push_back(*request);
  if (grpc::Status s = CheckWorker(request->worker_id()); !s.ok()) return s;
  auto ready = [this]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return shutting_down_ || !queue_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(request->wait_ms()));
  const int max_jobs = std::max(1, request->max_jobs());
  while (!queue_.empty() && response->leases_size() < max_jobs) {
    *response->add_leases() = std::move(queue_.front());
    queue_.pop_front();
  }
  return grpc::Status::OK;
}

grpc::Status FakeWorkerService::Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* request,
                                          v1::HeartbeatResponse* response) {
  absl::MutexLock lock(&mu_);
  state_.heartbeats.push_back(*request);
  if (grpc::Status s = CheckWorker(request->worker_id()); !s.ok()) return s;
  for (const v1::JobAttempt& stop : stops_) *response->add_stop() = stop;
  return grpc::Status::OK;
}

grpc::Status FakeWorkerService::CompleteJob(grpc::ServerContext*,
                                            const v1::CompleteJobRequest* request,
                                            v1::CompleteJobResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckWorker(request->worker_id()); !s.ok()) return s;
  const std::pair<int64_t, int32_t> key{request->attempt().job_id(), request->attempt().attempt()};
  if (completed_.count(key) > 0) {
    response->set_duplicate(true);
    return grpc::Status::OK;
  }
  auto it = current_attempt_.find(key.first);
  if (it == current_attempt_.end() || it->second != key.second) {
    state_.refused.push_back(*request);
    return grpc::Status(grpc::StatusCode::ABORTED,
                        absl::StrCat("job ", key.first, " attempt ", key.second,
                                     ": the lease expired or the job was cancelled"));
  }
  current_attempt_.erase(it);
  completed_.insert(key);
  state_.completions.push_back(*request);
  return grpc::Status::OK;
}

grpc::Status FakeWorkerService::FailJob(grpc::ServerContext*, const v1::FailJobRequest* request,
                                        v1::FailJobResponse*) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = CheckWorker(request->worker_id()); !s.ok()) return s;
  state_.failures.push_back(*request);
  current_attempt_.erase(request->attempt().job_id());
  return grpc::Status::OK;
}

}  // namespace depthlab::worker::testing
