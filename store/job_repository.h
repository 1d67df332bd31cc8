// The job queue: workers lease jobs, heartbeat to keep their leases, and complete or fail each
// attempt. Every method is one transaction, so a coordinator restarted at any point resumes from a
// consistent queue. A job's `attempt` counts its leases; a report is accepted only for the attempt
// currently leased to that worker, so a worker that lost its lease can never overwrite a result.
//
//   std::vector<LeasedJob> jobs = *repo.Lease("w1", {"model-hash"}, 4, absl::Minutes(1), now);
//   ... run jobs[0] ...
//   repo.Complete(jobs[0].job_id, jobs[0].attempt, "w1", result_bytes, now);  // Aborted if stale
#ifndef DEPTHLAB_STORE_JOB_REPOSITORY_H_
#define DEPTHLAB_STORE_JOB_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"
#include "store/types.h"

namespace depthlab::store {

struct NewJob {
  int64_t stage_id = 0;    // the job's sweep is the stage's sweep
  std::string kind;        // "profile", "coalitions", "fit_recovery", "task_shard", ... (non-empty)
  std::string payload;     // serialized job (opaque bytes)
  int priority = 0;        // within a sweep: higher is leased first
  std::string model_hash;  // the model it runs on, for affinity
  int max_attempts = 3;    // leases allowed before the job (and its sweep) fails; >= 1
};

struct JobRow {
  int64_t id = 0;
  int64_t sweep_id = 0;
  int64_t stage_id = 0;
  std::string kind;
  std::string payload;
  JobState state = JobState::kQueued;
  int priority = 0;
  std::string model_hash;
  int attempt = 0;  // leases so far; the current or last attempt
  int max_attempts = 0;
  std::string lease_owner;                     // the worker of the current or last attempt
  std::optional<absl::Time> lease_expires_at;  // while LEASED
  absl::Time not_before;                       // not leased before (retry backoff)
  std::string error;                           // the last failure
  std::optional<std::string> result;           // once SUCCEEDED
  absl::Time created_at;
  absl::Time updated_at;
};

struct LeasedJob {
  int64_t job_id = 0;
  int attempt = 0;
  int64_t sweep_id = 0;
  int64_t stage_id = 0;
  std::string kind;
  std::string payload;
  std::string model_hash;
  absl::Time lease_expires_at;
};

struct HeartbeatResult {
  std::vector<JobAttempt> extended;   // leases now valid until lease_expires_at
  std::vector<JobAttempt> cancelled;  // stop: the job (or its sweep or stage) was cancelled
  std::vector<JobAttempt> lost;       // stop: expired, re-leased, finished or unknown
  absl::Time lease_expires_at;
};

struct CompleteResult {
  bool already_completed = false;  // a repeated report of an accepted attempt; nothing changed
  int64_t sweep_id = 0;
  int64_t stage_id = 0;
  int64_t stage_jobs_done = 0;  // after this completion
  int64_t stage_jobs_total = 0;
};

struct JobFailure {
  std::string error;  // the worker's message
  bool retryable = true;
  absl::Duration backoff = absl::ZeroDuration();  // before the retry may be leased
};

struct FailResult {
  JobState state = JobState::kQueued;  // QUEUED (will retry) or FAILED
  bool sweep_failed = false;           // the job's failure failed its sweep
  CancelledJobs sweep_jobs_cancelled;  // the sweep's other jobs, when sweep_failed
};

struct ExpiredLease {
  int64_t job_id = 0;
  int attempt = 0;
  std::string worker_id;
  JobState state = JobState::kQueued;  // QUEUED again, or FAILED (attempts exhausted)
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it. Each method is one
// transaction, or joins the caller's (Store::RunInTransaction). The queue and queries are in
// job_repository.cc, the lease life cycle in job_repository_leases.cc.
class JobRepository {
 public:
  explicit JobRepository(Store& store) : store_(store) {}

  // Queues jobs (leasable at once) and adds them to their stages' jobs_total; returns their ids in
  // order. NotFound for an unknown stage; FailedPrecondition when the stage or its sweep has ended;
  // InvalidArgument for an empty kind or max_attempts < 1.
  absl::StatusOr<std::vector<int64_t>> Enqueue(const std::vector<NewJob>& jobs, absl::Time now);

  // Leases up to `max_jobs` QUEUED jobs whose not_before <= now, of PENDING or RUNNING sweeps, to
  // `worker_id` until now + lease_duration. Order: sweep priority (high first), then jobs on a
  // model in `held_model_hashes`, then job priority (high first), then job id. Each lease
  // increments the job's attempt. The sweeps and stages of leased jobs become RUNNING.
  absl::StatusOr<std::vector<LeasedJob>> Lease(absl::string_view worker_id,
                                               const std::vector<std::string>& held_model_hashes,
                                               int max_jobs, absl::Duration lease_duration,
                                               absl::Time now);

  // Extends to now + lease_duration each listed attempt still leased to `worker_id` and not yet
  // expired; sorts the rest into cancelled and lost.
  absl::StatusOr<HeartbeatResult> Heartbeat(absl::string_view worker_id,
                                            const std::vector<JobAttempt>& held,
                                            absl::Duration lease_duration, absl::Time now);

  // Stores the result of `attempt`, which must be leased to `worker_id` and not expired: the job
  // becomes SUCCEEDED and its stage's jobs_done grows by one. Repeating an accepted report is OK
  // (already_completed). Aborted, naming the job and attempt, for any other attempt (stale,
  // expired, re-leased, cancelled); the result is then discarded. NotFound for an unknown job.
  absl::StatusOr<CompleteResult> Complete(int64_t job_id, int attempt, absl::string_view worker_id,
                                          absl::string_view result, absl::Time now);

  // Records that `attempt` failed. A retryable failure with attempts left re-queues the job, not
  // leasable before now + backoff. Otherwise the job FAILS and so does its sweep, with an error
  // naming the job and the worker's message; the sweep's other jobs are cancelled (all in this
  // transaction). The attempt must hold its lease, as for Complete; a repeated report is Aborted
  // (the attempt no longer holds a lease), which a worker treats as "drop the report".
  absl::StatusOr<FailResult> Fail(int64_t job_id, int attempt, absl::string_view worker_id,
                                  const JobFailure& failure, absl::Time now);

  // Re-queues every LEASED job whose lease expired at or before `now` (or fails it, and its sweep,
  // when it has no attempts left). Returns what expired, by job id.
  absl::StatusOr<std::vector<ExpiredLease>> ExpireLeases(absl::Time now);

  // NotFound when absent.
  absl::StatusOr<JobRow> Get(int64_t job_id);
  // The stage's jobs by id, optionally only those in `state` (with results, for aggregation).
  absl::StatusOr<std::vector<JobRow>> ListByStage(int64_t stage_id,
                                                  std::optional<JobState> state = std::nullopt);
  // Jobs by state over all sweeps (metrics), or over one sweep.
  absl::StatusOr<JobCounts> Counts();
  absl::StatusOr<JobCounts> CountsBySweep(int64_t sweep_id);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_JOB_REPOSITORY_H_
