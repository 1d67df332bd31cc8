// The worker process's Prometheus metrics, declared here and nowhere else: callers record events
// through these functions and never touch the registry. Serve exposes them at /metrics.
//
//   WorkerMetrics metrics;
//   DEPTHLAB_ASSIGN_OR_RETURN(int port, metrics.Serve(9100));
//   metrics.RecordJobCompleted(v1::JOB_KIND_COALITIONS, /*seconds=*/3.2, /*tokens=*/81920,
//                              /*unit_forwards=*/4096);
//
// Metrics: depthlab_worker_jobs_total{kind,outcome}, depthlab_worker_job_seconds{kind}
// (histogram, completed jobs), depthlab_worker_tokens_total, depthlab_worker_tokens_per_second
// (gauge: the last completed job), depthlab_worker_unit_forwards_total (sequences x transformer
// units run: what prefix reuse saves), depthlab_worker_model_loads_total.
#ifndef DEPTHLAB_WORKER_CLIENT_WORKER_METRICS_H_
#define DEPTHLAB_WORKER_CLIENT_WORKER_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::worker {

// How a leased job ended on this worker (the `outcome` label).
enum class JobOutcome {
  kCompleted,  // result accepted by the coordinator
  kRefused,    // result refused (the lease had expired or the job was cancelled)
  kFailed,     // the job failed and was reported with FailJob
  kStopped,    // stopped on the coordinator's request (heartbeat response)
  kShutdown,   // handed back because the worker shut down
};

// Thread-safe.
class WorkerMetrics {
 public:
  WorkerMetrics();
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  // Serves /metrics on 0.0.0.0:`port` (0 = any free port) until destruction; returns the port.
  // Unavailable if it cannot listen; FailedPrecondition if already serving.
  absl::StatusOr<int> Serve(int port);

  void RecordJobCompleted(v1::JobKind kind, double seconds, int64_t tokens, int64_t unit_forwards);
  // Any outcome but kCompleted.
  void RecordJobEnded(v1::JobKind kind, JobOutcome outcome);
  void RecordModelLoads(int64_t loads);

  // The Prometheus text exposition of every metric (what /metrics serves).
  std::string Text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "profile", "coalitions", "task_shard" ("unspecified" otherwise): the `kind` label.
std::string JobKindLabel(v1::JobKind kind);

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CLIENT_WORKER_METRICS_H_
