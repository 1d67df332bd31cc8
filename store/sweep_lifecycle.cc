#include "store/sweep_lifecycle.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"

namespace depthlab::store::internal {

absl::StatusOr<RunState> LoadSweepState(Transaction& tx, int64_t sweep_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare("SELECT state FROM sweeps WHERE id = ?1"));
  st.BindInt(1, sweep_id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("sweeps: no sweep with id ", sweep_id));
  return ParseRunState(st.ColumnText(0));
}

absl::StatusOr<StageRef> LoadStage(Transaction& tx, int64_t stage_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT sweep_id, state FROM stages WHERE id = ?1"));
  st.BindInt(1, stage_id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("stages: no stage with id ", stage_id));
  StageRef stage;
  stage.sweep_id = st.ColumnInt(0);
  DEPTHLAB_ASSIGN_OR_RETURN(stage.state, ParseRunState(st.ColumnText(1)));
  return stage;
}

absl::StatusOr<CancelledJobs> CancelOutstandingJobs(Transaction& tx, int64_t sweep_id,
                                                    int64_t stage_id, absl::Time now) {
  // ?2 = 0 selects the whole sweep.
  constexpr char kWhere[] = "sweep_id = ?1 AND (?2 = 0 OR stage_id = ?2)";
  CancelledJobs out;
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement leased, tx.Prepare(absl::StrCat("SELECT id, attempt, lease_owner FROM jobs WHERE ",
                                                kWhere, " AND state = 'LEASED' ORDER BY id")));
  leased.BindInt(1, sweep_id).BindInt(2, stage_id);
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, leased.Step());
    if (!row) break;
    out.revoked.push_back(
        {leased.ColumnInt(0), static_cast<int>(leased.ColumnInt(1)), leased.ColumnText(2)});
  }
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement cancel,
      tx.Prepare(absl::StrCat("UPDATE jobs SET state = 'CANCELLED', lease_expires_at = NULL, "
                              "updated_at = ?3 WHERE ",
                              kWhere, " AND state IN ('QUEUED', 'LEASED')")));
  cancel.BindInt(1, sweep_id).BindInt(2, stage_id).BindTime(3, now);
  DEPTHLAB_RETURN_IF_ERROR(cancel.Run());
  out.jobs_cancelled = tx.Changes();
  return out;
}

absl::StatusOr<CancelledJobs> FinishSweep(Transaction& tx, int64_t sweep_id, RunState state,
                                          absl::string_view error, int64_t failed_stage_id,
                                          absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(const RunState current, LoadSweepState(tx, sweep_id));
  if (IsTerminal(current)) {
    return absl::FailedPreconditionError(
        absl::StrCat("sweep ", sweep_id, " has already ended (", RunStateName(current), ")"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement sweep,
      tx.Prepare("UPDATE sweeps SET state = ?2, error = ?3, finished_at = ?4, updated_at = ?4 "
                 "WHERE id = ?1"));
  sweep.BindInt(1, sweep_id).BindText(2, RunStateName(state)).BindText(3, error).BindTime(4, now);
  DEPTHLAB_RETURN_IF_ERROR(sweep.Run());
  DEPTHLAB_ASSIGN_OR_RETURN(CancelledJobs cancelled,
                            CancelOutstandingJobs(tx, sweep_id, /*stage_id=*/0, now));
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement stages,
      tx.Prepare("UPDATE stages SET state = CASE WHEN id = ?2 THEN 'FAILED' ELSE 'CANCELLED' END, "
                 "updated_at = ?3 WHERE sweep_id = ?1 AND state IN ('PENDING', 'RUNNING')"));
  stages.BindInt(1, sweep_id).BindInt(2, failed_stage_id).BindTime(3, now);
  DEPTHLAB_RETURN_IF_ERROR(stages.Run());
  return cancelled;
}

}  // namespace depthlab::store::internal
