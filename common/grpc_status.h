// absl::Status <-> grpc::Status, the one place codes and messages cross the wire. The code
// numbers are identical (both follow google.rpc.Code), so the mapping is exact.
//
//   return ToGrpcStatus(core.Submit(request));          // in a handler
//   absl::Status s = FromGrpcStatus(stub->Call(...));   // in a client
#ifndef DEPTHLAB_COMMON_GRPC_STATUS_H_
#define DEPTHLAB_COMMON_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace depthlab {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace depthlab

#endif  // DEPTHLAB_COMMON_GRPC_STATUS_H_
