#include "coordinator/service/services.h"

#include "common/grpc_status.h"

namespace depthlab::service {
namespace {

namespace v1 = ::depthlab::v1;

// Copies an OK value into *response; returns the status either way.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

bool Terminal(v1::SweepState s) {
  return s == v1::SWEEP_STATE_SUCCEEDED || s == v1::SWEEP_STATE_FAILED ||
         s == v1::SWEEP_STATE_CANCELLED;
}

}  // namespace

grpc::Status SweepServiceImpl::SubmitSweep(grpc::ServerContext*, const v1::SubmitSweepRequest* r,
                                           v1::SubmitSweepResponse* response) {
  return Reply(core_->Submit(r->spec(), r->request_id()), response);
}

grpc::Status SweepServiceImpl::GetSweep(grpc::ServerContext*, const v1::GetSweepRequest* r,
                                        v1::Sweep* response) {
  return Reply(core_->GetSweep(r->sweep_id()), response);
}

grpc::Status SweepServiceImpl::ListSweeps(grpc::ServerContext*, const v1::ListSweepsRequest* r,
                                          v1::ListSweepsResponse* response) {
  return Reply(core_->ListSweeps(*r), response);
}

grpc::Status SweepServiceImpl::WatchSweep(grpc::ServerContext* context,
                                          const v1::WatchSweepRequest* r,
                                          grpc::ServerWriter<v1::SweepEvent>* writer) {
  int64_t version = 0;
  std::string last;
  while (!context->IsCancelled()) {
    absl::StatusOr<v1::Sweep> sweep = core_->GetSweep(r->sweep_id());
    if (!sweep.ok()) return ToGrpcStatus(sweep.status());
    std::string now = sweep->SerializeAsString();
    if (now != last) {
      v1::SweepEvent event;
      *event.mutable_sweep() = *sweep;
      if (!writer->Write(event)) return grpc::Status::OK;  // the client went away
      last = std::move(now);
    }
    if (Terminal(sweep->state())) return grpc::Status::OK;
    core_->WaitForChange(&version, absl::Seconds(1));
  }
  return grpc::Status::OK;
}

grpc::Status SweepServiceImpl::CancelSweep(grpc::ServerContext*, const v1::CancelSweepRequest* r,
                                           v1::Sweep* response) {
  return Reply(core_->Cancel(r->sweep_id()), response);
}

grpc::Status SweepServiceImpl::GetInfluence(grpc::ServerContext*, const v1::GetInfluenceRequest* r,
                                            v1::GetInfluenceResponse* response) {
  return Reply(core_->GetInfluence(*r), response);
}

grpc::Status SweepServiceImpl::GetCurves(grpc::ServerContext*, const v1::GetCurvesRequest* r,
                                         v1::GetCurvesResponse* response) {
  return Reply(core_->GetCurves(*r), response);
}

grpc::Status SweepServiceImpl::CompareSweeps(grpc::ServerContext*,
                                             const v1::CompareSweepsRequest* r,
                                             v1::CompareSweepsResponse* response) {
  return Reply(core_->Compare(*r), response);
}

grpc::Status WorkerServiceImpl::RegisterWorker(grpc::ServerContext*,
                                               const v1::RegisterWorkerRequest* r,
                                               v1::RegisterWorkerResponse* response) {
  return Reply(core_->Register(*r), response);
}

grpc::Status WorkerServiceImpl::LeaseJobs(grpc::ServerContext*, const v1::LeaseJobsRequest* r,
                                          v1::LeaseJobsResponse* response) {
  return Reply(core_->Lease(*r), response);
}

grpc::Status WorkerServiceImpl::Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* r,
                                          v1::HeartbeatResponse* response) {
  return Reply(core_->Heartbeat(*r), response);
}

grpc::Status WorkerServiceImpl::CompleteJob(grpc::ServerContext*, const v1::CompleteJobRequest* r,
                                            v1::CompleteJobResponse* response) {
  return Reply(core_->Complete(*r), response);
}

grpc::Status WorkerServiceImpl::FailJob(grpc::ServerContext*, const v1::FailJobRequest* r,
                                        v1::FailJobResponse*) {
  return ToGrpcStatus(core_->Fail(*r));
}

}  // namespace depthlab::service
