// Shared by the two halves of WorkerClient: worker_client.cc (the loop thread: registration,
// leases, heartbeats, shutdown) and worker_client_jobs.cc (the job threads: run and report).
// Internal to worker/client.
#ifndef DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_INTERNAL_H_
#define DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_INTERNAL_H_

#include <atomic>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker/client/worker_client.h"

namespace depthlab::worker {

// One leased attempt, run on its own thread.
struct WorkerClient::Job {
  v1::Lease lease;
  std::thread thread;
  std::atomic<bool> stop{false};                    // polled by the executor
  std::atomic<bool> stopped_by_coordinator{false};  // listed in a heartbeat response
  std::atomic<bool> report_claimed{false};          // the job thread or Drain reports, not both
  bool finished = false;                            // guarded by WorkerClient::mu_

  bool ClaimReport() { return !report_claimed.exchange(true); }
};

namespace client_internal {

// Worth calling again: the coordinator is down, overloaded or restarting.
inline bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

// One line on stderr.
inline void Log(const std::string& line) { absl::FPrintF(stderr, "depthlab-worker: %s\n", line); }

inline v1::JobAttempt AttemptOf(const v1::Lease& lease) {
  v1::JobAttempt attempt;
  attempt.set_job_id(lease.job_id());
  attempt.set_attempt(lease.attempt());
  return attempt;
}

// "job 12 attempt 1 (coalitions, 8 masks)".
inline std::string Describe(const v1::Lease& lease) {
  return absl::StrCat("job ", lease.job_id(), " attempt ", lease.attempt(), " (",
                      JobKindLabel(lease.spec().kind()), ", ", lease.spec().masks_size(),
                      " masks)");
}

}  // namespace client_internal
}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CLIENT_WORKER_CLIENT_INTERNAL_H_
