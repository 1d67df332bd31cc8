// Pruning curves: for each sweep, ranking metric, granularity and recovery, the accuracy on each
// task (with n, standard error and perplexity) after removing the first k units of the ranking.
// Also the cross-sweep comparison query behind `depthlab compare` and the start-up re-export of
// curve gauges to Prometheus.
#ifndef DEPTHLAB_STORE_CURVE_REPOSITORY_H_
#define DEPTHLAB_STORE_CURVE_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/store.h"

namespace depthlab::store {

// One point; (sweep_id, metric, granularity, recovery, k, task) is its key.
struct CurvePoint {
  int64_t sweep_id = 0;
  std::string metric;         // the ranking, e.g. "cosine", "shapley" (non-empty)
  std::string granularity;    // "block" or "layer"
  std::string recovery;       // "none", "mean", "lowrank", ...
  int k = 0;                  // units removed (>= 0)
  std::string removed_units;  // e.g. "mlp[3],attn[7]"
  std::string task;           // e.g. "mmlu", "arc_easy" (non-empty)
  double accuracy = 0;        // the task's main metric
  int64_t n = 0;              // examples evaluated
  double std_error = 0;       // of accuracy; column `stderr`
  std::optional<double> perplexity;
  std::string extra = "{}";  // JSON object of other metrics ({"acc_norm": 0.41}); "" means {}
};

// A point with the model it was measured on.
struct ModelCurvePoint {
  CurvePoint point;
  std::string sweep_name;
  std::string model_hash;
  std::string model_path;
};

// Empty fields match everything.
struct CurveFilter {
  std::string task;
  std::vector<int64_t> sweep_ids;
  std::vector<std::string> model_hashes;
  std::vector<std::string> metrics;
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class CurveRepository {
 public:
  explicit CurveRepository(Store& store) : store_(store) {}

  // Inserts or replaces points by key, all or none. InvalidArgument for an empty metric or task,
  // k < 0, a NaN accuracy or standard error, or extra that is not JSON; NotFound for an unknown
  // sweep.
  absl::Status Upsert(const std::vector<CurvePoint>& points);
  // The sweep's points ordered by metric, granularity, recovery, task, k.
  absl::StatusOr<std::vector<CurvePoint>> GetBySweep(int64_t sweep_id);
  // Every point with its model, ordered by sweep id then as GetBySweep.
  absl::StatusOr<std::vector<ModelCurvePoint>> AllPoints();
  // Points matching `filter`, ordered for side-by-side display: by task, granularity, recovery
  // and k, then model hash, metric and sweep id, so the rows to compare at one k are adjacent.
  absl::StatusOr<std::vector<ModelCurvePoint>> Compare(const CurveFilter& filter);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_CURVE_REPOSITORY_H_
