// Internal to store/: the state changes that end a sweep or a stage, shared by the sweep, stage and
// job repositories so that cancelling, failing and finishing behave the same wherever they start.
// Every function runs inside the caller's transaction.
#ifndef DEPTHLAB_STORE_SWEEP_LIFECYCLE_H_
#define DEPTHLAB_STORE_SWEEP_LIFECYCLE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/transaction.h"
#include "store/types.h"

namespace depthlab::store::internal {

// The state of sweep `sweep_id`; NotFound when absent.
absl::StatusOr<RunState> LoadSweepState(Transaction& tx, int64_t sweep_id);

// The state of stage `stage_id` and its sweep's id; NotFound when absent.
struct StageRef {
  int64_t sweep_id = 0;
  RunState state = RunState::kPending;
};
absl::StatusOr<StageRef> LoadStage(Transaction& tx, int64_t stage_id);

// Cancels the QUEUED and LEASED jobs of one stage, or of one sweep when `stage_id` is 0.
absl::StatusOr<CancelledJobs> CancelOutstandingJobs(Transaction& tx, int64_t sweep_id,
                                                    int64_t stage_id, absl::Time now);

// Moves a PENDING or RUNNING sweep to terminal `state` with `error`, cancels its outstanding jobs
// and ends its unfinished stages: `failed_stage_id` (0: none) becomes FAILED, the others
// CANCELLED. FailedPrecondition when the sweep has already ended; NotFound when absent.
absl::StatusOr<CancelledJobs> FinishSweep(Transaction& tx, int64_t sweep_id, RunState state,
                                          absl::string_view error, int64_t failed_stage_id,
                                          absl::Time now);

}  // namespace depthlab::store::internal

#endif  // DEPTHLAB_STORE_SWEEP_LIFECYCLE_H_
