// Status propagation macros. Abseil 20220623 has no ABSL_RETURN_IF_ERROR, so depthlab defines its
// own once, here.
//
//   DEPTHLAB_RETURN_IF_ERROR(file.Validate());
//   DEPTHLAB_ASSIGN_OR_RETURN(auto config, ModelConfig::FromFile(path));
#ifndef DEPTHLAB_COMMON_STATUS_MACROS_H_
#define DEPTHLAB_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DEPTHLAB_STATUS_CONCAT_INNER_(a, b) a##b
#define DEPTHLAB_STATUS_CONCAT_(a, b) DEPTHLAB_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define DEPTHLAB_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    const ::absl::Status depthlab_status_ = (expr);      \
    if (!depthlab_status_.ok()) return depthlab_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else moves the value into
// `lhs` (which may be a declaration such as `auto x`).
#define DEPTHLAB_ASSIGN_OR_RETURN(lhs, rexpr) \
  DEPTHLAB_ASSIGN_OR_RETURN_IMPL_(DEPTHLAB_STATUS_CONCAT_(depthlab_statusor_, __LINE__), lhs, rexpr)

#define DEPTHLAB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // DEPTHLAB_COMMON_STATUS_MACROS_H_
