// JobRepository: the lease life cycle (lease, heartbeat, complete, fail, expire). Enqueueing and
// queries are in job_repository.cc.
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/job_repository.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

// What the attempt checks need to know about a job.
struct JobLease {
  int64_t id = 0;
  int64_t sweep_id = 0;
  int64_t stage_id = 0;
  std::string kind;
  JobState state = JobState::kQueued;
  int attempt = 0;
  int max_attempts = 0;
  std::string owner;
  std::optional<absl::Time> expires;

  // The same lease the worker was given (whatever has happened to it since).
  bool Is(int a, absl::string_view worker) const { return attempt == a && owner == worker; }
  // The lease is current: this attempt still runs on this worker.
  bool HeldBy(int a, absl::string_view worker, absl::Time now) const {
    return state == JobState::kLeased && Is(a, worker) && expires.has_value() && now < *expires;
  }
};

// The job, or nullopt when absent.
absl::StatusOr<std::optional<JobLease>> FindLease(Transaction& tx, int64_t job_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("SELECT sweep_id, stage_id, kind, state, attempt, max_attempts, lease_owner, "
                 "lease_expires_at FROM jobs WHERE id = ?1"));
  st.BindInt(1, job_id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return std::nullopt;
  JobLease job;
  job.id = job_id;
  job.sweep_id = st.ColumnInt(0);
  job.stage_id = st.ColumnInt(1);
  job.kind = st.ColumnText(2);
  DEPTHLAB_ASSIGN_OR_RETURN(job.state, ParseJobState(st.ColumnText(3)));
  job.attempt = static_cast<int>(st.ColumnInt(4));
  job.max_attempts = static_cast<int>(st.ColumnInt(5));
  job.owner = st.ColumnText(6);
  job.expires = st.ColumnOptionalTime(7);
  return job;
}

absl::StatusOr<JobLease> LoadLease(Transaction& tx, int64_t job_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::optional<JobLease> job, FindLease(tx, job_id));
  if (!job.has_value()) return absl::NotFoundError(absl::StrCat("jobs: no job with id ", job_id));
  return *std::move(job);
}

// Aborted: the report of `attempt` by `worker` no longer holds a lease, and why.
absl::Status LostLease(const JobLease& job, int attempt, absl::string_view worker, absl::Time now) {
  std::string why;
  if (job.attempt != attempt) {
    why = absl::StrCat("the job is on attempt ", job.attempt);
  } else if (job.owner != worker) {
    why = absl::StrCat("the attempt is leased to worker ", job.owner);
  } else if (job.state == JobState::kLeased) {
    why = absl::StrCat("the lease expired at ", absl::FormatTime(*job.expires), " (now ",
                       absl::FormatTime(now), ")");
  } else {
    why = absl::StrCat("the job is ", JobStateName(job.state));
  }
  return absl::AbortedError(absl::StrCat("job ", job.id, " attempt ", attempt, " (worker ", worker,
                                         "): lease lost, ", why, "; report discarded"));
}

absl::Status Requeue(Transaction& tx, int64_t job_id, absl::string_view error,
                     absl::Time not_before, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("UPDATE jobs SET state = 'QUEUED', lease_expires_at = NULL, error = ?2, "
                 "not_before = ?3, updated_at = ?4 WHERE id = ?1"));
  st.BindInt(1, job_id).BindText(2, error).BindTime(3, not_before).BindTime(4, now);
  return st.Run();
}

// Fails the job and its sweep (with `sweep_error`), cancelling the sweep's other jobs.
absl::StatusOr<CancelledJobs> FailJobAndSweep(Transaction& tx, const JobLease& job,
                                              absl::string_view error,
                                              absl::string_view sweep_error, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("UPDATE jobs SET state = 'FAILED', lease_expires_at = NULL, "
                                       "error = ?2, updated_at = ?3 WHERE id = ?1"));
  st.BindInt(1, job.id).BindText(2, error).BindTime(3, now);
  DEPTHLAB_RETURN_IF_ERROR(st.Run());
  return internal::FinishSweep(tx, job.sweep_id, RunState::kFailed, sweep_error, job.stage_id, now);
}

// "QUEUED jobs of live sweeps, best first" with one placeholder per held model (from ?3).
std::string LeaseQuery(size_t held_models) {
  std::vector<std::string> params;
  for (size_t i = 0; i < held_models; ++i) params.push_back(absl::StrCat("?", i + 3));
  // (An integer constant in ORDER BY would name a column, so no held models means no term.)
  const std::string affinity =
      params.empty() ? ""
                     : absl::StrCat("j.model_hash IN (", absl::StrJoin(params, ", "), ") DESC, ");
  return absl::StrCat(
      "SELECT j.id FROM jobs j JOIN sweeps s ON s.id = j.sweep_id "
      "WHERE j.state = 'QUEUED' AND j.not_before <= ?1 AND s.state IN ('PENDING', 'RUNNING') "
      "ORDER BY s.priority DESC, ",
      affinity, "j.priority DESC, j.id ASC LIMIT ?2");
}

absl::StatusOr<std::vector<int64_t>> LeasableJobs(Transaction& tx,
                                                  const std::vector<std::string>& held,
                                                  int max_jobs, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(LeaseQuery(held.size())));
  st.BindTime(1, now).BindInt(2, max_jobs);
  for (size_t i = 0; i < held.size(); ++i) st.BindText(static_cast<int>(i) + 3, held[i]);
  std::vector<int64_t> ids;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return ids;
    ids.push_back(st.ColumnInt(0));
  }
}

absl::StatusOr<LeasedJob> LeaseOne(Transaction& tx, int64_t job_id, absl::string_view worker,
                                   absl::Time expires, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("UPDATE jobs SET state = 'LEASED', attempt = attempt + 1, lease_owner = ?2, "
                 "lease_expires_at = ?3, updated_at = ?4 WHERE id = ?1 "
                 "RETURNING attempt, sweep_id, stage_id, kind, payload, model_hash"));
  st.BindInt(1, job_id).BindText(2, worker).BindTime(3, expires).BindTime(4, now);
  DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
  LeasedJob job;
  job.job_id = job_id;
  job.attempt = static_cast<int>(st.ColumnInt(0));
  job.sweep_id = st.ColumnInt(1);
  job.stage_id = st.ColumnInt(2);
  job.kind = st.ColumnText(3);
  job.payload = st.ColumnBlob(4);
  job.model_hash = st.ColumnText(5);
  job.lease_expires_at = expires;
  DEPTHLAB_RETURN_IF_ERROR(st.Run());
  return job;
}

// PENDING row `id` of `table` (sweeps or stages) becomes RUNNING.
absl::Status StartRunning(Transaction& tx, absl::string_view table, int64_t id, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare(absl::StrCat("UPDATE ", table,
                                                    " SET state = 'RUNNING', updated_at = ?2 "
                                                    "WHERE id = ?1 AND state = 'PENDING'")));
  st.BindInt(1, id).BindTime(2, now);
  return st.Run();
}

// Work has started: the sweep and stage of `job` become RUNNING if they were PENDING.
absl::Status MarkRunning(Transaction& tx, const LeasedJob& job, absl::Time now) {
  DEPTHLAB_RETURN_IF_ERROR(StartRunning(tx, "sweeps", job.sweep_id, now));
  return StartRunning(tx, "stages", job.stage_id, now);
}

absl::Status CheckLeaseArgs(absl::string_view worker_id, absl::Duration lease_duration) {
  if (worker_id.empty()) return absl::InvalidArgumentError("worker_id: empty");
  if (lease_duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lease_duration: ", absl::FormatDuration(lease_duration), " (must be positive)"));
  }
  return absl::OkStatus();
}

absl::Status Extend(Transaction& tx, int64_t job_id, absl::Time expires, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("UPDATE jobs SET lease_expires_at = ?2, updated_at = ?3 WHERE id = ?1"));
  st.BindInt(1, job_id).BindTime(2, expires).BindTime(3, now);
  return st.Run();
}

absl::StatusOr<CompleteResult> StageProgress(Transaction& tx, const JobLease& job,
                                             bool already_completed) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT jobs_done, jobs_total FROM stages WHERE id = ?1"));
  st.BindInt(1, job.stage_id);
  DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
  CompleteResult result;
  result.already_completed = already_completed;
  result.sweep_id = job.sweep_id;
  result.stage_id = job.stage_id;
  result.stage_jobs_done = st.ColumnInt(0);
  result.stage_jobs_total = st.ColumnInt(1);
  return result;
}

absl::Status StoreResult(Transaction& tx, const JobLease& job, absl::string_view result,
                         absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("UPDATE jobs SET state = 'SUCCEEDED', result = ?2, lease_expires_at = NULL, "
                 "error = '', updated_at = ?3 WHERE id = ?1"));
  st.BindInt(1, job.id).BindBlob(2, result).BindTime(3, now);
  DEPTHLAB_RETURN_IF_ERROR(st.Run());
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement stage,
      tx.Prepare("UPDATE stages SET jobs_done = jobs_done + 1, updated_at = ?2 WHERE id = ?1"));
  stage.BindInt(1, job.stage_id).BindTime(2, now);
  return stage.Run();
}

// Expires one lease (already checked to be LEASED and past its expiry).
absl::StatusOr<ExpiredLease> ExpireOne(Transaction& tx, const JobLease& job, absl::Time now) {
  ExpiredLease expired{job.id, job.attempt, job.owner, JobState::kQueued};
  const std::string error = absl::StrCat("lease of attempt ", job.attempt, " of ", job.max_attempts,
                                         " expired on worker ", job.owner);
  if (job.attempt < job.max_attempts) {
    DEPTHLAB_RETURN_IF_ERROR(Requeue(tx, job.id, error, now, now));
    return expired;
  }
  expired.state = JobState::kFailed;
  DEPTHLAB_RETURN_IF_ERROR(
      FailJobAndSweep(tx, job, error, absl::StrCat("job ", job.id, " (", job.kind, "): ", error),
                      now)
          .status());
  return expired;
}

}  // namespace

absl::StatusOr<std::vector<LeasedJob>> JobRepository::Lease(
    absl::string_view worker_id, const std::vector<std::string>& held_model_hashes, int max_jobs,
    absl::Duration lease_duration, absl::Time now) {
  DEPTHLAB_RETURN_IF_ERROR(CheckLeaseArgs(worker_id, lease_duration));
  if (max_jobs <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_jobs: ", max_jobs, " (must be positive)"));
  }
  return store_.Transact<std::vector<LeasedJob>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<LeasedJob>> {
        DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                                  LeasableJobs(tx, held_model_hashes, max_jobs, now));
        std::vector<LeasedJob> leased;
        for (int64_t id : ids) {
          DEPTHLAB_ASSIGN_OR_RETURN(LeasedJob job,
                                    LeaseOne(tx, id, worker_id, now + lease_duration, now));
          DEPTHLAB_RETURN_IF_ERROR(MarkRunning(tx, job, now));
          leased.push_back(std::move(job));
        }
        return leased;
      });
}

absl::StatusOr<HeartbeatResult> JobRepository::Heartbeat(absl::string_view worker_id,
                                                         const std::vector<JobAttempt>& held,
                                                         absl::Duration lease_duration,
                                                         absl::Time now) {
  DEPTHLAB_RETURN_IF_ERROR(CheckLeaseArgs(worker_id, lease_duration));
  return store_.Transact<HeartbeatResult>([&](Transaction& tx) -> absl::StatusOr<HeartbeatResult> {
    HeartbeatResult result;
    result.lease_expires_at = now + lease_duration;
    for (const JobAttempt& attempt : held) {
      DEPTHLAB_ASSIGN_OR_RETURN(std::optional<JobLease> job, FindLease(tx, attempt.job_id));
      if (job.has_value() && job->HeldBy(attempt.attempt, worker_id, now)) {
        DEPTHLAB_RETURN_IF_ERROR(Extend(tx, job->id, result.lease_expires_at, now));
        result.extended.push_back(attempt);
      } else if (job.has_value() && job->Is(attempt.attempt, worker_id) &&
                 job->state == JobState::kCancelled) {
        result.cancelled.push_back(attempt);
      } else {
        result.lost.push_back(attempt);
      }
    }
    return result;
  });
}

absl::StatusOr<CompleteResult> JobRepository::Complete(int64_t job_id, int attempt,
                                                       absl::string_view worker_id,
                                                       absl::string_view result, absl::Time now) {
  return store_.Transact<CompleteResult>([&](Transaction& tx) -> absl::StatusOr<CompleteResult> {
    DEPTHLAB_ASSIGN_OR_RETURN(const JobLease job, LoadLease(tx, job_id));
    if (job.state == JobState::kSucceeded && job.Is(attempt, worker_id)) {
      return StageProgress(tx, job, /*already_completed=*/true);
    }
    if (!job.HeldBy(attempt, worker_id, now)) return LostLease(job, attempt, worker_id, now);
    DEPTHLAB_RETURN_IF_ERROR(StoreResult(tx, job, result, now));
    return StageProgress(tx, job, /*already_completed=*/false);
  });
}

absl::StatusOr<FailResult> JobRepository::Fail(int64_t job_id, int attempt,
                                               absl::string_view worker_id,
                                               const JobFailure& failure, absl::Time now) {
  return store_.Transact<FailResult>([&](Transaction& tx) -> absl::StatusOr<FailResult> {
    DEPTHLAB_ASSIGN_OR_RETURN(const JobLease job, LoadLease(tx, job_id));
    if (!job.HeldBy(attempt, worker_id, now)) return LostLease(job, attempt, worker_id, now);
    FailResult result;
    if (failure.retryable && job.attempt < job.max_attempts) {
      DEPTHLAB_RETURN_IF_ERROR(Requeue(tx, job.id, failure.error, now + failure.backoff, now));
      return result;
    }
    const std::string how = failure.retryable
                                ? absl::StrCat("on attempt ", attempt, " of ", job.max_attempts)
                                : "with a non-retryable error";
    result.state = JobState::kFailed;
    result.sweep_failed = true;
    DEPTHLAB_ASSIGN_OR_RETURN(
        result.sweep_jobs_cancelled,
        FailJobAndSweep(tx, job, failure.error,
                        absl::StrCat("job ", job.id, " (", job.kind, ") failed ", how,
                                     " on worker ", worker_id, ": ", failure.error),
                        now));
    return result;
  });
}

absl::StatusOr<std::vector<ExpiredLease>> JobRepository::ExpireLeases(absl::Time now) {
  return store_.Transact<std::vector<ExpiredLease>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<ExpiredLease>> {
        DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                                  tx.Prepare("SELECT id FROM jobs WHERE state = 'LEASED' AND "
                                             "lease_expires_at <= ?1 ORDER BY id"));
        st.BindTime(1, now);
        std::vector<int64_t> ids;
        while (true) {
          DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
          if (!row) break;
          ids.push_back(st.ColumnInt(0));
        }
        std::vector<ExpiredLease> expired;
        for (int64_t id : ids) {
          // An earlier failure in this loop may have cancelled the job with its sweep.
          DEPTHLAB_ASSIGN_OR_RETURN(const JobLease job, LoadLease(tx, id));
          if (job.state != JobState::kLeased) continue;
          DEPTHLAB_ASSIGN_OR_RETURN(ExpiredLease one, ExpireOne(tx, job, now));
          expired.push_back(std::move(one));
        }
        return expired;
      });
}

}  // namespace depthlab::store
