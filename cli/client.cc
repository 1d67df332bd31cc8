#include "cli/client.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "grpcpp/grpcpp.h"

namespace depthlab::cli {
namespace {

constexpr int kMaxMessageBytes = 256 << 20;  // curves of a large sweep can pass gRPC's 4 MiB

std::shared_ptr<grpc::ChannelInterface> TcpChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

// Runs one unary call with `timeout`; `call` is a bound stub method.
template <typename Response, typename Call>
absl::StatusOr<Response> Unary(absl::string_view rpc, const std::string& target,
                               absl::Duration timeout, Call call) {
  grpc::ClientContext context;
  SetDeadline(context, timeout);
  Response response;
  const absl::Status status = FromGrpcStatus(call(&context, &response));
  if (!status.ok()) return DescribeRpcError(rpc, target, status);
  return response;
}

}  // namespace

Client::Client(ConnectionOptions options) : options_(std::move(options)) {
  stub_ = v1::SweepService::NewStub(options_.make_channel ? options_.make_channel(options_.target)
                                                          : TcpChannel(options_.target));
}

absl::StatusOr<v1::SubmitSweepResponse> Client::SubmitSweep(const v1::SubmitSweepRequest& request) {
  return Unary<v1::SubmitSweepResponse>("SubmitSweep", target(), options_.submit_timeout,
                                        [&](grpc::ClientContext* c, v1::SubmitSweepResponse* r) {
                                          return stub_->SubmitSweep(c, request, r);
                                        });
}

absl::StatusOr<v1::Sweep> Client::GetSweep(const std::string& sweep_id) {
  v1::GetSweepRequest request;
  request.set_sweep_id(sweep_id);
  return Unary<v1::Sweep>(
      "GetSweep", target(), options_.timeout,
      [&](grpc::ClientContext* c, v1::Sweep* r) { return stub_->GetSweep(c, request, r); });
}

absl::StatusOr<v1::ListSweepsResponse> Client::ListSweeps(const v1::ListSweepsRequest& request) {
  return Unary<v1::ListSweepsResponse>("ListSweeps", target(), options_.timeout,
                                       [&](grpc::ClientContext* c, v1::ListSweepsResponse* r) {
                                         return stub_->ListSweeps(c, request, r);
                                       });
}

absl::StatusOr<v1::Sweep> Client::CancelSweep(const std::string& sweep_id) {
  v1::CancelSweepRequest request;
  request.set_sweep_id(sweep_id);
  return Unary<v1::Sweep>(
      "CancelSweep", target(), options_.timeout,
      [&](grpc::ClientContext* c, v1::Sweep* r) { return stub_->CancelSweep(c, request, r); });
}

absl::StatusOr<v1::GetInfluenceResponse> Client::GetInfluence(
    const v1::GetInfluenceRequest& request) {
  return Unary<v1::GetInfluenceResponse>("GetInfluence", target(), options_.timeout,
                                         [&](grpc::ClientContext* c, v1::GetInfluenceResponse* r) {
                                           return stub_->GetInfluence(c, request, r);
                                         });
}

absl::StatusOr<v1::GetCurvesResponse> Client::GetCurves(const v1::GetCurvesRequest& request) {
  return Unary<v1::GetCurvesResponse>("GetCurves", target(), options_.timeout,
                                      [&](grpc::ClientContext* c, v1::GetCurvesResponse* r) {
                                        return stub_->GetCurves(c, request, r);
                                      });
}

absl::StatusOr<v1::CompareSweepsResponse> Client::CompareSweeps(
    const v1::CompareSweepsRequest& request) {
  return Unary<v1::CompareSweepsResponse>(
      "CompareSweeps", target(), options_.timeout,
      [&](grpc::ClientContext* c, v1::CompareSweepsResponse* r) {
        return stub_->CompareSweeps(c, request, r);
      });
}

absl::Status Client::WatchSweep(const std::string& sweep_id,
                                const std::function<void(const v1::SweepEvent&)>& on_event) {
  grpc::ClientContext context;
  v1::WatchSweepRequest request;
  request.set_sweep_id(sweep_id);
  std::unique_ptr<grpc::ClientReaderInterface<v1::SweepEvent>> reader =
      stub_->WatchSweep(&context, request);
  v1::SweepEvent event;
  while (reader->Read(&event)) on_event(event);
  const absl::Status status = FromGrpcStatus(reader->Finish());
  return status.ok() ? status : DescribeRpcError("WatchSweep", target(), status);
}

absl::Status DescribeRpcError(absl::string_view rpc, const std::string& target,
                              const absl::Status& status) {
  const std::string code = absl::StatusCodeToString(status.code());
  std::string message;
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      message = absl::StrCat("cannot reach the coordinator at ", target, " (", code,
                             "): ", status.message(),
                             " — start it with `depthlab-coordinator` or pass --coordinator");
      break;
    case absl::StatusCode::kDeadlineExceeded:
      message = absl::StrCat("the coordinator at ", target, " did not answer ", rpc, " in time (",
                             code, "): ", status.message(), " — pass a larger --timeout");
      break;
    case absl::StatusCode::kUnimplemented:
      message = absl::StrCat("the coordinator at ", target, " does not implement ", rpc, " (", code,
                             "): ", status.message());
      break;
    default:
      message = absl::StrCat(rpc, " failed (", code, "): ", status.message());
  }
  return absl::Status(status.code(), message);
}

}  // namespace depthlab::cli
