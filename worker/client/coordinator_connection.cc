#include "worker/client/coordinator_connection.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "depthlab/v1/worker_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace depthlab::worker {
namespace {

void SetTimeout(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

template <typename Response>
absl::StatusOr<Response> Result(const grpc::Status& status, Response response) {
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace

struct CoordinatorConnection::Impl {
  CoordinatorConnectionOptions options;
  std::unique_ptr<v1::WorkerService::Stub> stub;
  absl::Mutex mu;
  bool long_polls_cancelled ABSL_GUARDED_BY(mu) = false;
  std::set<grpc::ClientContext*> long_polls ABSL_GUARDED_BY(mu);
};

CoordinatorConnection::CoordinatorConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CoordinatorConnection::~CoordinatorConnection() = default;

absl::StatusOr<std::unique_ptr<CoordinatorConnection>> CoordinatorConnection::Create(
    const CoordinatorConnectionOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("coordinator: empty address (expected HOST:PORT)");
  }
  grpc::ChannelArguments args;
  const int backoff_ms = static_cast<int>(absl::ToInt64Milliseconds(options.max_reconnect_backoff));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, std::max(100, backoff_ms));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(1000, std::max(100, backoff_ms)));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->stub = v1::WorkerService::NewStub(
      grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args));
  return std::unique_ptr<CoordinatorConnection>(new CoordinatorConnection(std::move(impl)));
}

absl::StatusOr<v1::RegisterWorkerResponse> CoordinatorConnection::Register(
    const v1::RegisterWorkerRequest& request) {
  grpc::ClientContext context;
  SetTimeout(&context, impl_->options.rpc_timeout);
  v1::RegisterWorkerResponse response;
  const grpc::Status status = impl_->stub->RegisterWorker(&context, request, &response);
  return Result(status, std::move(response));
}

absl::StatusOr<v1::LeaseJobsResponse> CoordinatorConnection::LeaseJobs(
    const v1::LeaseJobsRequest& request) {
  grpc::ClientContext context;
  SetTimeout(&context, impl_->options.rpc_timeout + absl::Milliseconds(request.wait_ms()));
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->long_polls_cancelled) return absl::CancelledError("lease polling was cancelled");
    impl_->long_polls.insert(&context);
  }
  v1::LeaseJobsResponse response;
  const grpc::Status status = impl_->stub->LeaseJobs(&context, request, &response);
  absl::MutexLock lock(&impl_->mu);
  impl_->long_polls.erase(&context);
  return Result(status, std::move(response));
}

absl::StatusOr<v1::HeartbeatResponse> CoordinatorConnection::Heartbeat(
    const v1::HeartbeatRequest& request) {
  grpc::ClientContext context;
  SetTimeout(&context, impl_->options.rpc_timeout);
  v1::HeartbeatResponse response;
  const grpc::Status status = impl_->stub->Heartbeat(&context, request, &response);
  return Result(status, std::move(response));
}

absl::StatusOr<v1::CompleteJobResponse> CoordinatorConnection::CompleteJob(
    const v1::CompleteJobRequest& request) {
  grpc::ClientContext context;
  SetTimeout(&context, impl_->options.rpc_timeout);
  v1::CompleteJobResponse response;
  const grpc::Status status = impl_->stub->CompleteJob(&context, request, &response);
  return Result(status, std::move(response));
}

absl::Status CoordinatorConnection::FailJob(const v1::FailJobRequest& request) {
  grpc::ClientContext context;
  SetTimeout(&context, impl_->options.rpc_timeout);
  v1::FailJobResponse response;
  return FromGrpcStatus(impl_->stub->FailJob(&context, request, &response));
}

void CoordinatorConnection::CancelLongPolls() {
  absl::MutexLock lock(&impl_->mu);
  impl_->long_polls_cancelled = true;
  for (grpc::ClientContext* context : impl_->long_polls) context->TryCancel();
}

}  // namespace depthlab::worker
