// JobRepository: enqueueing and queries. The lease life cycle is in job_repository_leases.cc.
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/job_repository.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kSelect[] =
    "SELECT id, sweep_id, stage_id, kind, payload, state, priority, model_hash, attempt, "
    "max_attempts, lease_owner, lease_expires_at, not_before, error, result, created_at, "
    "updated_at FROM jobs ";

absl::StatusOr<JobRow> ReadJob(const Statement& st) {
  JobRow row;
  row.id = st.ColumnInt(0);
  row.sweep_id = st.ColumnInt(1);
  row.stage_id = st.ColumnInt(2);
  row.kind = st.ColumnText(3);
  row.payload = st.ColumnBlob(4);
  DEPTHLAB_ASSIGN_OR_RETURN(row.state, ParseJobState(st.ColumnText(5)));
  row.priority = static_cast<int>(st.ColumnInt(6));
  row.model_hash = st.ColumnText(7);
  row.attempt = static_cast<int>(st.ColumnInt(8));
  row.max_attempts = static_cast<int>(st.ColumnInt(9));
  row.lease_owner = st.ColumnText(10);
  row.lease_expires_at = st.ColumnOptionalTime(11);
  row.not_before = st.ColumnTime(12);
  row.error = st.ColumnText(13);
  if (!st.ColumnIsNull(14)) row.result = st.ColumnBlob(14);
  row.created_at = st.ColumnTime(15);
  row.updated_at = st.ColumnTime(16);
  return row;
}

absl::Status Validate(const NewJob& job) {
  if (job.kind.empty()) return absl::InvalidArgumentError("jobs.kind: empty");
  if (job.max_attempts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("jobs.max_attempts: ", job.max_attempts, " (must be at least 1)"));
  }
  return absl::OkStatus();
}

// The sweep of a stage that can still take jobs.
absl::StatusOr<int64_t> OpenStageSweep(Transaction& tx, int64_t stage_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(const internal::StageRef stage, internal::LoadStage(tx, stage_id));
  DEPTHLAB_ASSIGN_OR_RETURN(const RunState sweep, internal::LoadSweepState(tx, stage.sweep_id));
  if (IsTerminal(stage.state) || IsTerminal(sweep)) {
    return absl::FailedPreconditionError(
        absl::StrCat("jobs: cannot enqueue in stage ", stage_id, " (", RunStateName(stage.state),
                     ") of sweep ", stage.sweep_id, " (", RunStateName(sweep), "): it has ended"));
  }
  return stage.sweep_id;
}

absl::Status AddToTotals(Transaction& tx, const std::map<int64_t, int64_t>& added, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("UPDATE stages SET jobs_total = jobs_total + ?2, updated_at = ?3 WHERE id = ?1"));
  for (const auto& [stage_id, count] : added) {
    st.BindInt(1, stage_id).BindInt(2, count).BindTime(3, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    DEPTHLAB_RETURN_IF_ERROR(st.Reset());
  }
  return absl::OkStatus();
}

absl::StatusOr<JobCounts> ReadCounts(Statement& st) {
  JobCounts counts;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return counts;
    DEPTHLAB_ASSIGN_OR_RETURN(const JobState state, ParseJobState(st.ColumnText(0)));
    counts.Add(state, st.ColumnInt(1));
  }
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> JobRepository::Enqueue(const std::vector<NewJob>& jobs,
                                                            absl::Time now) {
  for (const NewJob& job : jobs) DEPTHLAB_RETURN_IF_ERROR(Validate(job));
  return store_.Transact<std::vector<int64_t>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<int64_t>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare("INSERT INTO jobs (sweep_id, stage_id, kind, payload, state, priority, "
                       "model_hash, max_attempts, not_before, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, 'QUEUED', ?5, ?6, ?7, ?8, ?8, ?8)"));
        std::map<int64_t, int64_t> sweep_of_stage;  // checked stages
        std::map<int64_t, int64_t> added;           // jobs per stage
        std::vector<int64_t> ids;
        for (const NewJob& job : jobs) {
          if (sweep_of_stage.count(job.stage_id) == 0) {
            DEPTHLAB_ASSIGN_OR_RETURN(sweep_of_stage[job.stage_id],
                                      OpenStageSweep(tx, job.stage_id));
          }
          st.BindInt(1, sweep_of_stage[job.stage_id]).BindInt(2, job.stage_id);
          st.BindText(3, job.kind).BindBlob(4, job.payload).BindInt(5, job.priority);
          st.BindText(6, job.model_hash).BindInt(7, job.max_attempts).BindTime(8, now);
          DEPTHLAB_RETURN_IF_ERROR(st.Run());
          DEPTHLAB_RETURN_IF_ERROR(st.Reset());
          ids.push_back(tx.LastInsertRowId());
          ++added[job.stage_id];
        }
        DEPTHLAB_RETURN_IF_ERROR(AddToTotals(tx, added, now));
        return ids;
      });
}

absl::StatusOr<JobRow> JobRepository::Get(int64_t job_id) {
  return store_.Transact<JobRow>([&](Transaction& tx) -> absl::StatusOr<JobRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE id = ?1")));
    st.BindInt(1, job_id);
    DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("jobs: no job with id ", job_id));
    return ReadJob(st);
  });
}

absl::StatusOr<std::vector<JobRow>> JobRepository::ListByStage(int64_t stage_id,
                                                               std::optional<JobState> state) {
  return store_.Transact<std::vector<JobRow>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<JobRow>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare(absl::StrCat(
                kSelect, "WHERE stage_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY id")));
        st.BindInt(1, stage_id);
        if (state.has_value()) {
          st.BindText(2, JobStateName(*state));
        } else {
          st.BindNull(2);
        }
        std::vector<JobRow> rows;
        while (true) {
          DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
          if (!row) return rows;
          DEPTHLAB_ASSIGN_OR_RETURN(JobRow job, ReadJob(st));
          rows.push_back(std::move(job));
        }
      });
}

absl::StatusOr<JobCounts> JobRepository::Counts() {
  return store_.Transact<JobCounts>([&](Transaction& tx) -> absl::StatusOr<JobCounts> {
    DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                              tx.Prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
    return ReadCounts(st);
  });
}

absl::StatusOr<JobCounts> JobRepository::CountsBySweep(int64_t sweep_id) {
  return store_.Transact<JobCounts>([&](Transaction& tx) -> absl::StatusOr<JobCounts> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare("SELECT state, COUNT(*) FROM jobs WHERE sweep_id = ?1 GROUP BY state"));
    st.BindInt(1, sweep_id);
    return ReadCounts(st);
  });
}

}  // namespace depthlab::store
