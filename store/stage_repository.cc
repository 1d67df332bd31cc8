#include "store/stage_repository.h"

#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kSelect[] =
    "SELECT id, sweep_id, ordinal, kind, state, jobs_total, jobs_done, detail, created_at, "
    "updated_at FROM stages ";

absl::StatusOr<StageRow> ReadStage(const Statement& st) {
  StageRow row;
  row.id = st.ColumnInt(0);
  row.sweep_id = st.ColumnInt(1);
  row.ordinal = static_cast<int>(st.ColumnInt(2));
  row.kind = st.ColumnText(3);
  DEPTHLAB_ASSIGN_OR_RETURN(row.state, ParseRunState(st.ColumnText(4)));
  row.jobs_total = st.ColumnInt(5);
  row.jobs_done = st.ColumnInt(6);
  row.detail = st.ColumnBlob(7);
  row.created_at = st.ColumnTime(8);
  row.updated_at = st.ColumnTime(9);
  return row;
}

absl::StatusOr<std::vector<StageRow>> ReadStages(Statement& st) {
  std::vector<StageRow> rows;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return rows;
    DEPTHLAB_ASSIGN_OR_RETURN(StageRow stage, ReadStage(st));
    rows.push_back(std::move(stage));
  }
}

absl::StatusOr<std::vector<StageRow>> StagesOf(Transaction& tx, int64_t sweep_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE sweep_id = ?1 ORDER BY ordinal")));
  st.BindInt(1, sweep_id);
  return ReadStages(st);
}

// Job counts by state for each stage of the sweep.
absl::StatusOr<std::map<int64_t, JobCounts>> CountJobs(Transaction& tx, int64_t sweep_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT stage_id, state, COUNT(*) FROM jobs "
                                       "WHERE sweep_id = ?1 GROUP BY stage_id, state"));
  st.BindInt(1, sweep_id);
  std::map<int64_t, JobCounts> counts;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return counts;
    DEPTHLAB_ASSIGN_OR_RETURN(const JobState state, ParseJobState(st.ColumnText(1)));
    counts[st.ColumnInt(0)].Add(state, st.ColumnInt(2));
  }
}

absl::Status UpdateState(Transaction& tx, int64_t stage_id, RunState state, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare("UPDATE stages SET state = ?2, updated_at = ?3 WHERE id = ?1"));
  st.BindInt(1, stage_id).BindText(2, RunStateName(state)).BindTime(3, now);
  return st.Run();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> StageRepository::Add(int64_t sweep_id,
                                                          const std::vector<NewStage>& stages,
                                                          absl::Time now) {
  return store_.Transact<std::vector<int64_t>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<int64_t>> {
        DEPTHLAB_ASSIGN_OR_RETURN(const RunState sweep, internal::LoadSweepState(tx, sweep_id));
        if (IsTerminal(sweep)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "stages: sweep ", sweep_id, " has already ended (", RunStateName(sweep), ")"));
        }
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare("INSERT INTO stages (sweep_id, ordinal, kind, state, detail, created_at, "
                       "updated_at) VALUES (?1, ?2, ?3, 'PENDING', ?4, ?5, ?5)"));
        std::vector<int64_t> ids;
        for (const NewStage& stage : stages) {
          st.BindInt(1, sweep_id).BindInt(2, stage.ordinal).BindText(3, stage.kind);
          st.BindBlob(4, stage.detail).BindTime(5, now);
          DEPTHLAB_RETURN_IF_ERROR(st.Run());
          DEPTHLAB_RETURN_IF_ERROR(st.Reset());
          ids.push_back(tx.LastInsertRowId());
        }
        return ids;
      });
}

absl::StatusOr<StageRow> StageRepository::Get(int64_t stage_id) {
  return store_.Transact<StageRow>([&](Transaction& tx) -> absl::StatusOr<StageRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE id = ?1")));
    st.BindInt(1, stage_id);
    DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("stages: no stage with id ", stage_id));
    return ReadStage(st);
  });
}

absl::StatusOr<std::vector<StageRow>> StageRepository::ListBySweep(int64_t sweep_id) {
  return store_.Transact<std::vector<StageRow>>(
      [&](Transaction& tx) { return StagesOf(tx, sweep_id); });
}

absl::StatusOr<std::vector<StageProgress>> StageRepository::Progress(int64_t sweep_id) {
  return store_.Transact<std::vector<StageProgress>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<StageProgress>> {
        DEPTHLAB_ASSIGN_OR_RETURN(std::vector<StageRow> stages, StagesOf(tx, sweep_id));
        DEPTHLAB_ASSIGN_OR_RETURN(auto counts, CountJobs(tx, sweep_id));
        std::vector<StageProgress> progress;
        for (StageRow& stage : stages) {
          const JobCounts jobs = counts[stage.id];
          progress.push_back({std::move(stage), jobs});
        }
        return progress;
      });
}

absl::StatusOr<CancelledJobs> StageRepository::SetState(int64_t stage_id, RunState state,
                                                        absl::Time now) {
  return store_.Transact<CancelledJobs>([&](Transaction& tx) -> absl::StatusOr<CancelledJobs> {
    DEPTHLAB_ASSIGN_OR_RETURN(const internal::StageRef stage, internal::LoadStage(tx, stage_id));
    if (stage.state == state) return CancelledJobs();
    if (IsTerminal(stage.state) || state == RunState::kPending) {
      return absl::FailedPreconditionError(absl::StrCat("stage ", stage_id, " cannot move from ",
                                                        RunStateName(stage.state), " to ",
                                                        RunStateName(state)));
    }
    DEPTHLAB_RETURN_IF_ERROR(UpdateState(tx, stage_id, state, now));
    if (!IsTerminal(state)) return CancelledJobs();
    return internal::CancelOutstandingJobs(tx, stage.sweep_id, stage_id, now);
  });
}

absl::Status StageRepository::SetDetail(int64_t stage_id, absl::string_view detail,
                                        absl::Time now) {
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st, tx.Prepare("UPDATE stages SET detail = ?2, updated_at = ?3 WHERE id = ?1"));
    st.BindInt(1, stage_id).BindBlob(2, detail).BindTime(3, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    if (tx.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("stages: no stage with id ", stage_id));
    }
    return absl::OkStatus();
  });
}

}  // namespace depthlab::store
