// Required evaluations and the jobs that compute them: the bridge between what a stage needs
// (values per mask and shard) and the store's evaluation cache and job queue.
#ifndef DEPTHLAB_COORDINATOR_SWEEPS_EVALUATIONS_H_
#define DEPTHLAB_COORDINATOR_SWEEPS_EVALUATIONS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/planner/planner.h"
#include "depthlab/v1/types.pb.h"
#include "store/evaluation_cache.h"

namespace depthlab::sweeps {

// The data an evaluation runs on: the calibration split or one of the sweep's tasks.
struct DataRef {
  static constexpr int kCalibration = -1;
  static constexpr int kShapleyTask = -2;
  int task_index = kCalibration;  // index into SweepSpec.tasks, or one of the above
};

struct Evaluation {
  std::string key;  // planner::EvaluationKey
  depthlab::v1::JobKind job_kind = depthlab::v1::JOB_KIND_UNSPECIFIED;
  depthlab::v1::ValueKind value_kind = depthlab::v1::VALUE_KIND_UNSPECIFIED;
  DataRef data;
  planner::Shard shard;
  std::string mask;
};

// A sweep's spec and plan, with the lookups every stage needs.
struct SweepContext {
  int64_t sweep_id = 0;
  depthlab::v1::SweepSpec spec;
  depthlab::v1::SweepPlan plan;

  const std::string& DatasetHash(DataRef data) const;
  int Items(DataRef data) const;  // items (or calibration sequences) to shard
  // The evaluations of `masks` over every shard of `data`.
  std::vector<Evaluation> Evaluations(depthlab::v1::JobKind job_kind,
                                      depthlab::v1::ValueKind value_kind, DataRef data,
                                      const std::vector<std::string>& masks) const;
  // Jobs for `missing`: evaluations on the same data shard share a job, up to `masks_per_job`.
  std::vector<depthlab::v1::JobSpec> Jobs(const std::vector<Evaluation>& missing,
                                          int masks_per_job) const;
};

// The cached results among `evaluations`, by key.
absl::StatusOr<std::map<std::string, std::string>> LookUp(
    store::EvaluationCache& cache, const std::vector<Evaluation>& evaluations);

}  // namespace depthlab::sweeps

#endif  // DEPTHLAB_COORDINATOR_SWEEPS_EVALUATIONS_H_
