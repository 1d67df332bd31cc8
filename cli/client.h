// The coordinator connection the commands share: SweepService calls with deadlines, and failed
// calls turned into messages a user can act on (which coordinator, the gRPC code, what to do).
// Thread-compatible; owns its stub and shares the channel.
//
//   Client client(ConnectionOptions{.target = "localhost:50051"});
//   DEPTHLAB_ASSIGN_OR_RETURN(v1::Sweep sweep, client.GetSweep("s1"));
#ifndef DEPTHLAB_CLI_CLIENT_H_
#define DEPTHLAB_CLI_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "depthlab/v1/sweep_service.grpc.pb.h"

namespace depthlab::cli {

using ChannelFactory =
    std::function<std::shared_ptr<grpc::ChannelInterface>(const std::string& target)>;

struct ConnectionOptions {
  // HOST:PORT of the coordinator; also named in errors.
  std::string target = "localhost:50051";
  // Deadline of each unary call but SubmitSweep.
  absl::Duration timeout = absl::Seconds(30);
  // SubmitSweep's deadline: the coordinator hashes the model's files before it answers.
  absl::Duration submit_timeout = absl::Minutes(10);
  // Makes the channel to `target`; empty: an insecure TCP channel (tests pass an in-process one).
  ChannelFactory make_channel;
};

class Client {
 public:
  explicit Client(ConnectionOptions options);

  // Each returns the response, or the call's status with its code and a described message
  // (DescribeRpcError).
  absl::StatusOr<v1::SubmitSweepResponse> SubmitSweep(const v1::SubmitSweepRequest& request);
  absl::StatusOr<v1::Sweep> GetSweep(const std::string& sweep_id);
  absl::StatusOr<v1::ListSweepsResponse> ListSweeps(const v1::ListSweepsRequest& request);
  absl::StatusOr<v1::Sweep> CancelSweep(const std::string& sweep_id);
  absl::StatusOr<v1::GetInfluenceResponse> GetInfluence(const v1::GetInfluenceRequest& request);
  absl::StatusOr<v1::GetCurvesResponse> GetCurves(const v1::GetCurvesRequest& request);
  absl::StatusOr<v1::CompareSweepsResponse> CompareSweeps(const v1::CompareSweepsRequest& request);

  // Streams WatchSweep (no deadline: a sweep may run for days), calling `on_event` for each event
  // until the server ends the stream; returns the stream's final status.
  absl::Status WatchSweep(const std::string& sweep_id,
                          const std::function<void(const v1::SweepEvent&)>& on_event);

  const std::string& target() const { return options_.target; }

 private:
  ConnectionOptions options_;
  std::unique_ptr<v1::SweepService::StubInterface> stub_;
};

// `status` (of a failed call `rpc` to the coordinator at `target`) with the same code and a
// message that names the code and the fix, e.g. "cannot reach the coordinator at localhost:50051
// (UNAVAILABLE): <grpc message> — start it with `depthlab-coordinator` or pass --coordinator".
absl::Status DescribeRpcError(absl::string_view rpc, const std::string& target,
                              const absl::Status& status);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_CLIENT_H_
