// The worker's calls to the coordinator's WorkerService (proto/depthlab/v1/worker_service.proto)
// with deadlines, as absl statuses (common/grpc_status.h). Connecting is lazy: calls fail fast
// with Unavailable until the coordinator is up, and the channel retries connecting every
// `max_reconnect_backoff` at most, so a coordinator that starts later is found promptly.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto connection, CoordinatorConnection::Create({"host:50051"}));
//   DEPTHLAB_ASSIGN_OR_RETURN(v1::RegisterWorkerResponse r, connection->Register(request));
#ifndef DEPTHLAB_WORKER_CLIENT_COORDINATOR_CONNECTION_H_
#define DEPTHLAB_WORKER_CLIENT_COORDINATOR_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "depthlab/v1/worker_service.pb.h"

namespace depthlab::worker {

struct CoordinatorConnectionOptions {
  std::string address;                             // host:port of the coordinator (required)
  absl::Duration rpc_timeout = absl::Seconds(10);  // per call; LeaseJobs adds its wait_ms
  absl::Duration max_reconnect_backoff = absl::Seconds(5);
};

// Thread-safe: calls may run concurrently from any thread.
class CoordinatorConnection {
 public:
  // InvalidArgument for an empty address. Does not wait for the coordinator.
  static absl::StatusOr<std::unique_ptr<CoordinatorConnection>> Create(
      const CoordinatorConnectionOptions& options);
  ~CoordinatorConnection();

  absl::StatusOr<v1::RegisterWorkerResponse> Register(const v1::RegisterWorkerRequest& request);
  // Long-poll of up to request.wait_ms. Cancelled once CancelLongPolls was called.
  absl::StatusOr<v1::LeaseJobsResponse> LeaseJobs(const v1::LeaseJobsRequest& request);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);
  absl::StatusOr<v1::CompleteJobResponse> CompleteJob(const v1::CompleteJobRequest& request);
  absl::Status FailJob(const v1::FailJobRequest& request);

  // Ends the LeaseJobs call in flight (if any) and makes later ones return Cancelled at once.
  void CancelLongPolls();

 private:
  struct Impl;
  explicit CoordinatorConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CLIENT_COORDINATOR_CONNECTION_H_
