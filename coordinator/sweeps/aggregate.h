// From cached sums to results: static influence from profile sums, coalition values for the
// Shapley estimators, pruning-curve points, and the cache rows of a completed job. Pure functions
// over protos and store rows.
#ifndef DEPTHLAB_COORDINATOR_SWEEPS_AGGREGATE_H_
#define DEPTHLAB_COORDINATOR_SWEEPS_AGGREGATE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/shapley/estimator_options.h"
#include "coordinator/shapley/shapley_result.h"
#include "coordinator/sweeps/evaluations.h"
#include "depthlab/v1/types.pb.h"
#include "store/curve_repository.h"
#include "store/evaluation_cache.h"
#include "store/influence_repository.h"

namespace depthlab::sweeps {

using Found = std::map<std::string, std::string>;  // evaluation key -> cached result bytes

// "cosine", "relative_l1", "relative_l2", "loss_shapley", "logit_shapley", "task_shapley".
std::string MetricName(depthlab::v1::Metric metric);
absl::StatusOr<depthlab::v1::Metric> ParseMetricName(const std::string& name);
// "block", "attention", "mlp", "sublayer".
std::string GranularityName(depthlab::v1::Granularity granularity);
// "mmlu", "arc", "boolq", "gsm8k", "perplexity".
std::string TaskName(depthlab::v1::TaskKind kind);

struct ProfileSums {
  std::vector<depthlab::v1::UnitSums> sublayers;  // 2L, flat order
  std::vector<depthlab::v1::UnitSums> blocks;     // L
};
absl::StatusOr<ProfileSums> SumProfiles(const std::vector<Evaluation>& required,
                                        const Found& found);
// Mean per token of `metric` for each player; rank 1 = most influential (removed last).
std::vector<store::InfluenceRow> StaticInfluence(const ProfileSums& sums,
                                                 depthlab::v1::Metric metric,
                                                 depthlab::v1::Granularity granularity,
                                                 int num_layers);

// How a Shapley metric's coalitions are valued.
struct ValueSpec {
  depthlab::v1::JobKind job_kind;
  depthlab::v1::ValueKind value_kind;
  int data;  // DataRef::task_index
};
ValueSpec ValueSpecOf(depthlab::v1::Metric metric);
absl::StatusOr<shapley::EstimatorOptions> EstimatorOptionsOf(const depthlab::v1::SweepSpec& spec,
                                                             int num_players);
// v(S) per mask, summed over shards: -mean loss, -mean logit distance, or accuracy.
absl::StatusOr<std::vector<double>> CoalitionValues(const std::vector<Evaluation>& required,
                                                    const Found& found,
                                                    const std::vector<std::string>& masks,
                                                    depthlab::v1::ValueKind value_kind);
std::vector<store::InfluenceRow> ShapleyInfluence(const shapley::ShapleyResult& result,
                                                  const std::vector<std::string>& players);

// The masks of every ranking's curve (k = 0..max_units_removed) and their points.
class CurvePlan {
 public:
  void AddRanking(depthlab::v1::Metric metric, const std::vector<double>& influence,
                  const depthlab::v1::SweepSpec& spec, const depthlab::v1::SweepPlan& plan);
  std::vector<std::string> DistinctMasks() const;
  absl::StatusOr<std::vector<store::CurvePoint>> Points(const SweepContext& context,
                                                        const std::vector<Evaluation>& required,
                                                        const Found& found) const;

 private:
  struct Ranking {
    depthlab::v1::Metric metric;
    std::vector<std::string> masks;    // k = 0..K
    std::vector<std::string> removed;  // unit removed at k = 1..K (index k - 1)
  };
  std::vector<Ranking> rankings_;
};

// The evaluation-cache rows of a completed job: one per mask (the whole JobResult for a profile).
absl::StatusOr<std::vector<store::EvaluationRow>> EvaluationRows(
    const depthlab::v1::JobSpec& spec, const depthlab::v1::JobResult& result,
    const std::string& code_version);

}  // namespace depthlab::sweeps

#endif  // DEPTHLAB_COORDINATOR_SWEEPS_AGGREGATE_H_
