// A WorkerService for tests, served by a real gRPC server on 127.0.0.1: hands out the jobs queued
// with AddJob (one lease per job and attempt), records every request, lists the attempts passed to
// StopJob in heartbeat responses, and refuses a completion for anything but a job's current
// attempt with ABORTED, as the coordinator does. WaitFor blocks until the recorded state
// satisfies a predicate, so tests wait on conditions instead of sleeping.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto service, FakeWorkerService::Start());
//   service->AddJob(1, spec);
//   ASSERT_TRUE(service->WaitFor([](const auto& s) { return !s.completions.empty(); }, 10s));
#ifndef DEPTHLAB_WORKER_CLIENT_TESTING_FAKE_WORKER_SERVICE_H_
#define DEPTHLAB_WORKER_CLIENT_TESTING_FAKE_WORKER_SERVICE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "depthlab/v1/worker_service.grpc.pb.h"
#include "grpcpp/server.h"

namespace depthlab::worker::testing {

// Thread-safe.
class FakeWorkerService final : public v1::WorkerService::Service {
 public:
  // What the service has seen, in arrival order.
  struct State {
    int registrations = 0;
    std::vector<v1::LeaseJobsRequest> leases;
    std::vector<v1::HeartbeatRequest> heartbeats;
    std::vector<v1::CompleteJobRequest> completions;  // accepted ones
    std::vector<v1::CompleteJobRequest> refused;      // answered ABORTED
    std::vector<v1::FailJobRequest> failures;
    int not_found = 0;  // requests answered NOT_FOUND for an unknown worker id
  };

  // Serves on 127.0.0.1:`port` (0 = any free port).
  static absl::StatusOr<std::unique_ptr<FakeWorkerService>> Start(int port = 0);
  // Shuts the server down (pending long-polls return at once).
  ~FakeWorkerService() override;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Queues `spec` as job `job_id`, leased as attempt 1 (or the attempt after the last one).
  void AddJob(int64_t job_id, const v1::JobSpec& spec);
  // Lists the job's current attempt in every later heartbeat response, and expires its lease.
  void StopJob(int64_t job_id);
  // Expires the job's current lease silently: its completion is then refused with ABORTED.
  void ExpireLease(int64_t job_id);
  // Treats `attempt` of the job as leased, as a restarted coordinator with its state kept would.
  void AdoptAttempt(int64_t job_id, int32_t attempt);
  // Forgets every registered worker: later calls with their ids get NOT_FOUND (a restart).
  void ForgetWorkers();
  void set_heartbeat_interval_ms(int ms);

  State state() const;
  // Waits until `done(state)` holds; false after `timeout`.
  bool WaitFor(const std::function<bool(const State&)>& done, absl::Duration timeout) const;

  grpc::Status RegisterWorker(grpc::ServerContext* context,
                              const v1::RegisterWorkerRequest* request,
                              v1::RegisterWorkerResponse* response) override;
  grpc::Status LeaseJobs(grpc::ServerContext* context, const v1::LeaseJobsRequest* request,
                         v1::LeaseJobsResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;
  grpc::Status CompleteJob(grpc::ServerContext* context, const v1::CompleteJobRequest* request,
                           v1::CompleteJobResponse* response) override;
  grpc::Status FailJob(grpc::ServerContext* context, const v1::FailJobRequest* request,
                       v1::FailJobResponse* response) override;

 private:
  FakeWorkerService() = default;
  // NOT_FOUND unless `worker_id` is registered (and counts it).
  grpc::Status CheckWorker(const std::string& worker_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> workers_ ABSL_GUARDED_BY(mu_);
  int next_worker_ ABSL_GUARDED_BY(mu_) = 1;
  int heartbeat_interval_ms_ ABSL_GUARDED_BY(mu_) = 50;
  std::deque<v1::Lease> queue_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, int32_t> current_attempt_ ABSL_GUARDED_BY(mu_);  // leased, not yet done
  std::set<std::pair<int64_t, int32_t>> completed_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::JobAttempt> stops_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace depthlab::worker::testing

#endif  // DEPTHLAB_WORKER_CLIENT_TESTING_FAKE_WORKER_SERVICE_H_
