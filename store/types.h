// The store's shared vocabulary: the states of sweeps, stages, jobs and workers (stored as their
// upper-case names) and the small value types that several repositories return.
#ifndef DEPTHLAB_STORE_TYPES_H_
#define DEPTHLAB_STORE_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace depthlab::store {

// The life of a sweep and of each of its stages: PENDING → RUNNING → one terminal state.
// Terminal states (SUCCEEDED, FAILED, CANCELLED) are never left.
enum class RunState { kPending, kRunning, kSucceeded, kFailed, kCancelled };

// A job: QUEUED → LEASED → SUCCEEDED, or back to QUEUED (retry, expired lease), or FAILED /
// CANCELLED (terminal).
enum class JobState { kQueued, kLeased, kSucceeded, kFailed, kCancelled };

// A worker is ACTIVE while it heartbeats; GONE after a heartbeat timeout (it may come back).
enum class WorkerState { kActive, kGone };

// "PENDING", "QUEUED", "ACTIVE", ...: the names stored in the database.
absl::string_view RunStateName(RunState state);
absl::string_view JobStateName(JobState state);
absl::string_view WorkerStateName(WorkerState state);

// Inverse of the *Name functions; InvalidArgument naming the bad value otherwise.
absl::StatusOr<RunState> ParseRunState(absl::string_view name);
absl::StatusOr<JobState> ParseJobState(absl::string_view name);
absl::StatusOr<WorkerState> ParseWorkerState(absl::string_view name);

bool IsTerminal(RunState state);
bool IsTerminal(JobState state);

// One attempt at a job: the pair a worker holds and reports on.
struct JobAttempt {
  int64_t job_id = 0;
  int attempt = 0;

  friend bool operator==(const JobAttempt& a, const JobAttempt& b) {
    return a.job_id == b.job_id && a.attempt == b.attempt;
  }
};

// A lease that a state change revoked: the worker holding it should be told to stop.
struct RevokedLease {
  int64_t job_id = 0;
  int attempt = 0;
  std::string worker_id;
};

// What cancelling the outstanding (QUEUED or LEASED) jobs of a sweep or stage did.
struct CancelledJobs {
  int64_t jobs_cancelled = 0;         // QUEUED and LEASED jobs now CANCELLED
  std::vector<RevokedLease> revoked;  // those that were LEASED, by job id
};

// Number of jobs in each state.
struct JobCounts {
  int64_t queued = 0;
  int64_t leased = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;

  int64_t total() const { return queued + leased + succeeded + failed + cancelled; }
  // Adds `count` jobs in `state`.
  void Add(JobState state, int64_t count);
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_TYPES_H_
