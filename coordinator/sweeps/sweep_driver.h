// Drives sweeps through their stages (ARCHITECTURE.md "Life of a sweep") using only the store:
// every stage is a set of required evaluations; those already in the evaluation cache are reused,
// the missing ones become jobs, and a stage whose evaluations are all cached is aggregated (into
// influence scores or curve points) and marked done. Advance() is idempotent, so a coordinator
// restarted at any point resumes a sweep by calling it again.
//
// Stages: 0 "plan" (the SweepPlan, done at creation), then "profile" (static metrics), one
// "shapley" stage per Shapley metric (the estimator's rounds), and "curve" once every ranking
// exists.
#ifndef DEPTHLAB_COORDINATOR_SWEEPS_SWEEP_DRIVER_H_
#define DEPTHLAB_COORDINATOR_SWEEPS_SWEEP_DRIVER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/planner/sweep_resolver.h"
#include "depthlab/v1/types.pb.h"
#include "store/curve_repository.h"
#include "store/job_repository.h"
#include "store/store.h"
#include "store/sweep_repository.h"

namespace depthlab::sweeps {

struct SweepDriverOptions {
  int masks_per_job = 16;  // masks evaluated by one coalition / task-shard job
  int max_attempts = 3;    // leases per job before it fails its sweep
  // Called with a sweep's curve points when its curve stage finishes (for Prometheus gauges).
  std::function<void(const std::string& model, const std::vector<store::CurvePoint>&)> on_curve;
};

// What Advance did, for progress events and metrics.
struct AdvanceResult {
  int jobs_enqueued = 0;
  int evaluations_cached = 0;  // required evaluations found in the cache this call
  bool finished = false;       // the sweep reached SUCCEEDED in this call
};

// Thread-compatible: the caller serialises calls (the Coordinator holds one mutex). Keeps `store`
// (not owned), which must outlive it.
class SweepDriver {
 public:
  SweepDriver(store::Store* store, SweepDriverOptions options);

  // Stores a resolved sweep with its plan and stages (one transaction; idempotent by request_id).
  absl::StatusOr<store::CreateSweepResult> Create(const planner::ResolvedSweep& sweep,
                                                  const std::string& request_id, absl::Time now);
  // Moves the sweep forward as far as cached evaluations allow (see the file comment).
  absl::StatusOr<AdvanceResult> Advance(int64_t sweep_id, absl::Time now);
  // Caches the evaluations of a completed job; call inside the transaction that completes it.
  // InvalidArgument when the result does not match the job (wrong number of values).
  absl::Status CacheResult(const store::JobRow& job, const depthlab::v1::JobResult& result,
                           absl::Time now);

 private:
  store::Store* store_;
  SweepDriverOptions options_;
};

}  // namespace depthlab::sweeps

#endif  // DEPTHLAB_COORDINATOR_SWEEPS_SWEEP_DRIVER_H_
