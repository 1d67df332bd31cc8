// Stages of a sweep (profile, shapley, recover, curve), each a set of jobs. A stage's jobs_total
// and jobs_done are kept by JobRepository in the transactions that enqueue and complete jobs, so
// progress is one cheap read.
#ifndef DEPTHLAB_STORE_STAGE_REPOSITORY_H_
#define DEPTHLAB_STORE_STAGE_REPOSITORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"
#include "store/types.h"

namespace depthlab::store {

struct NewStage {
  int ordinal = 0;     // unique within the sweep; stages run in ordinal order
  std::string kind;    // "profile", "shapley", "recover", "curve" (non-empty)
  std::string detail;  // planner / estimator state (opaque bytes)
};

struct StageRow {
  int64_t id = 0;
  int64_t sweep_id = 0;
  int ordinal = 0;
  std::string kind;
  RunState state = RunState::kPending;
  int64_t jobs_total = 0;  // jobs ever enqueued in the stage
  int64_t jobs_done = 0;   // of which SUCCEEDED
  std::string detail;
  absl::Time created_at;
  absl::Time updated_at;
};

struct StageProgress {
  StageRow stage;
  JobCounts jobs;  // the stage's jobs by current state
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it. Each method is one
// transaction, or joins the caller's (Store::RunInTransaction).
class StageRepository {
 public:
  explicit StageRepository(Store& store) : store_(store) {}

  // Adds PENDING stages to a sweep; returns their ids in order. NotFound for an unknown sweep,
  // FailedPrecondition when it has ended, AlreadyExists for a repeated ordinal.
  absl::StatusOr<std::vector<int64_t>> Add(int64_t sweep_id, const std::vector<NewStage>& stages,
                                           absl::Time now);

  // NotFound when absent.
  absl::StatusOr<StageRow> Get(int64_t stage_id);
  // The sweep's stages by ordinal (empty for an unknown sweep).
  absl::StatusOr<std::vector<StageRow>> ListBySweep(int64_t sweep_id);
  // ListBySweep with each stage's jobs counted by state.
  absl::StatusOr<std::vector<StageProgress>> Progress(int64_t sweep_id);

  // Moves the stage to `state`. A terminal state cancels the stage's outstanding jobs (an
  // estimator that reached its target stops the rest) and returns them; FailedPrecondition when
  // the stage has already ended in another state or for a move back to PENDING.
  absl::StatusOr<CancelledJobs> SetState(int64_t stage_id, RunState state, absl::Time now);
  // SetState(kSucceeded).
  absl::StatusOr<CancelledJobs> MarkDone(int64_t stage_id, absl::Time now) {
    return SetState(stage_id, RunState::kSucceeded, now);
  }
  // Replaces the stage's detail bytes.
  absl::Status SetDetail(int64_t stage_id, absl::string_view detail, absl::Time now);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_STAGE_REPOSITORY_H_
