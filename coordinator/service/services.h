// The gRPC adapters over core::Coordinator: each handler converts the request, calls the core and
// converts the status in one shared helper (common/grpc_status.h). No logic lives here.
#ifndef DEPTHLAB_COORDINATOR_SERVICE_SERVICES_H_
#define DEPTHLAB_COORDINATOR_SERVICE_SERVICES_H_

#include "coordinator/core/coordinator.h"
#include "depthlab/v1/sweep_service.grpc.pb.h"
#include "depthlab/v1/worker_service.grpc.pb.h"

namespace depthlab::service {

// Thread-safe; keeps `core` (not owned), which must outlive it.
class SweepServiceImpl final : public depthlab::v1::SweepService::Service {
 public:
  explicit SweepServiceImpl(core::Coordinator* core) : core_(core) {}

  grpc::Status SubmitSweep(grpc::ServerContext*, const depthlab::v1::SubmitSweepRequest* request,
                           depthlab::v1::SubmitSweepResponse* response) override;
  grpc::Status GetSweep(grpc::ServerContext*, const depthlab::v1::GetSweepRequest* request,
                        depthlab::v1::Sweep* response) override;
  grpc::Status ListSweeps(grpc::ServerContext*, const depthlab::v1::ListSweepsRequest* request,
                          depthlab::v1::ListSweepsResponse* response) override;
  grpc::Status WatchSweep(grpc::ServerContext* context,
                          const depthlab::v1::WatchSweepRequest* request,
                          grpc::ServerWriter<depthlab::v1::SweepEvent>* writer) override;
  grpc::Status CancelSweep(grpc::ServerContext*, const depthlab::v1::CancelSweepRequest* request,
                           depthlab::v1::Sweep* response) override;
  grpc::Status GetInfluence(grpc::ServerContext*, const depthlab::v1::GetInfluenceRequest* request,
                            depthlab::v1::GetInfluenceResponse* response) override;
  grpc::Status GetCurves(grpc::ServerContext*, const depthlab::v1::GetCurvesRequest* request,
                         depthlab::v1::GetCurvesResponse* response) override;
  grpc::Status CompareSweeps(grpc::ServerContext*,
                             const depthlab::v1::CompareSweepsRequest* request,
                             depthlab::v1::CompareSweepsResponse* response) override;

 private:
  core::Coordinator* core_;
};

// Thread-safe; keeps `core` (not owned), which must outlive it.
class WorkerServiceImpl final : public depthlab::v1::WorkerService::Service {
 public:
  explicit WorkerServiceImpl(core::Coordinator* core) : core_(core) {}

  grpc::Status RegisterWorker(grpc::ServerContext*,
                              const depthlab::v1::RegisterWorkerRequest* request,
                              depthlab::v1::RegisterWorkerResponse* response) override;
  grpc::Status LeaseJobs(grpc::ServerContext*, const depthlab::v1::LeaseJobsRequest* request,
                         depthlab::v1::LeaseJobsResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext*, const depthlab::v1::HeartbeatRequest* request,
                         depthlab::v1::HeartbeatResponse* response) override;
  grpc::Status CompleteJob(grpc::ServerContext*, const depthlab::v1::CompleteJobRequest* request,
                           depthlab::v1::CompleteJobResponse* response) override;
  grpc::Status FailJob(grpc::ServerContext*, const depthlab::v1::FailJobRequest* request,
                       depthlab::v1::FailJobResponse* response) override;

 private:
  core::Coordinator* core_;
};

}  // namespace depthlab::service

#endif  // DEPTHLAB_COORDINATOR_SERVICE_SERVICES_H_
