// What the worker's lease loop (worker/client) needs from whatever runs jobs: JobRunner in
// production, scripted fakes in the client's tests.
#ifndef DEPTHLAB_WORKER_RUNNER_JOB_EXECUTOR_H_
#define DEPTHLAB_WORKER_RUNNER_JOB_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::worker::runner {

// Run is thread-compatible (one job at a time); the other methods are thread-safe and may be
// called while a job runs.
class JobExecutor {
 public:
  virtual ~JobExecutor() = default;

  // Runs one job. `should_stop` is polled between units of work (masks, shards of items); once it
  // returns true, Run returns Cancelled soon. Errors follow IsRetryableJobError.
  virtual absl::StatusOr<v1::JobResult> Run(const v1::JobSpec& spec,
                                            const std::function<bool()>& should_stop) = 0;
  // Hashes of the models held now (LeaseJobsRequest.held_model_hashes, for affinity).
  virtual std::vector<std::string> HeldModelHashes() const = 0;
  // Models loaded since creation.
  virtual int64_t model_loads() const = 0;
  // The device jobs run on, e.g. "cpu float32 (2 threads)" (RegisterWorkerRequest.device).
  virtual std::string device() const = 0;
};

// Whether a failed job may succeed on a retry: false for InvalidArgument, NotFound and
// FailedPrecondition (a malformed spec or file, a missing path), true for anything else.
inline bool IsRetryableJobError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return false;
    default:
      return true;
  }
}

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_JOB_EXECUTOR_H_
