// The coordinator's core, behind both gRPC services: sweeps (submit, read, cancel, watch) and the
// job queue workers pull from (register, lease with long-poll, heartbeat, complete, fail). All
// state lives in the store; Create() resumes every unfinished sweep from it.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto core, Coordinator::Create(store.get(), {}, metrics.get()));
//   DEPTHLAB_ASSIGN_OR_RETURN(auto submitted, core->Submit(spec, "request-1"));
#ifndef DEPTHLAB_COORDINATOR_CORE_COORDINATOR_H_
#define DEPTHLAB_COORDINATOR_CORE_COORDINATOR_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "coordinator/core/coordinator_metrics.h"
#include "coordinator/sweeps/sweep_driver.h"
#include "depthlab/v1/sweep_service.pb.h"
#include "depthlab/v1/worker_service.pb.h"
#include "store/store.h"

namespace depthlab::core {

struct CoordinatorOptions {
  absl::Duration lease_duration = absl::Seconds(30);
  absl::Duration heartbeat_interval = absl::Seconds(5);
  absl::Duration retry_backoff = absl::Seconds(1);  // doubled per failed attempt
  absl::Duration worker_timeout = absl::Seconds(60);
  absl::Duration expiry_interval = absl::Milliseconds(500);  // lease-expiry sweep period
  int max_attempts = 3;
  int masks_per_job = 16;
};

// Thread-safe. Keeps `store` and `metrics` (not owned; `metrics` may be null), which must outlive
// it. Runs one background thread (lease expiry) until destroyed.
class Coordinator {
 public:
  static absl::StatusOr<std::unique_ptr<Coordinator>> Create(store::Store* store,
                                                             const CoordinatorOptions& options,
                                                             CoordinatorMetrics* metrics);
  ~Coordinator();

  // ---- SweepService ----
  absl::StatusOr<depthlab::v1::SubmitSweepResponse> Submit(const depthlab::v1::SweepSpec& spec,
                                                           const std::string& request_id);
  absl::StatusOr<depthlab::v1::Sweep> GetSweep(const std::string& sweep_id);
  absl::StatusOr<depthlab::v1::ListSweepsResponse> ListSweeps(
      const depthlab::v1::ListSweepsRequest& request);
  absl::StatusOr<depthlab::v1::Sweep> Cancel(const std::string& sweep_id);
  absl::StatusOr<depthlab::v1::GetInfluenceResponse> GetInfluence(
      const depthlab::v1::GetInfluenceRequest& request);
  absl::StatusOr<depthlab::v1::GetCurvesResponse> GetCurves(
      const depthlab::v1::GetCurvesRequest& request);
  absl::StatusOr<depthlab::v1::CompareSweepsResponse> Compare(
      const depthlab::v1::CompareSweepsRequest& request);
  // Blocks until something changed after `*version` or `timeout` passed; updates `*version`.
  void WaitForChange(int64_t* version, absl::Duration timeout);

  // ---- WorkerService ----
  absl::StatusOr<depthlab::v1::RegisterWorkerResponse> Register(
      const depthlab::v1::RegisterWorkerRequest& request);
  absl::StatusOr<depthlab::v1::LeaseJobsResponse> Lease(
      const depthlab::v1::LeaseJobsRequest& request);
  absl::StatusOr<depthlab::v1::HeartbeatResponse> Heartbeat(
      const depthlab::v1::HeartbeatRequest& request);
  absl::StatusOr<depthlab::v1::CompleteJobResponse> Complete(
      const depthlab::v1::CompleteJobRequest& request);
  absl::Status Fail(const depthlab::v1::FailJobRequest& request);

  // Expires leases now (the background thread calls it periodically; tests may call it).
  absl::Status ExpireLeases();

 private:
  Coordinator(store::Store* store, const CoordinatorOptions& options, CoordinatorMetrics* metrics);
  absl::Status ResumeAll();
  // Advances a sweep under `advance_mu_` and wakes waiters.
  absl::Status Advance(int64_t sweep_id);
  void Changed();
  absl::StatusOr<int64_t> ParseSweepId(const std::string& id);
  void RefreshGauges();
  void ExpiryLoop();

  store::Store* const store_;
  const CoordinatorOptions options_;
  CoordinatorMetrics* const metrics_;
  sweeps::SweepDriver driver_;

  absl::Mutex advance_mu_;  // serialises SweepDriver calls
  absl::Mutex change_mu_;
  int64_t version_ ABSL_GUARDED_BY(change_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(change_mu_) = false;
  std::thread expiry_thread_;
};

}  // namespace depthlab::core

#endif  // DEPTHLAB_COORDINATOR_CORE_COORDINATOR_H_
