// Influence scores of a sweep: for each metric (cosine distance, Shapley value, ...) the score of
// every unit with its standard error, the number of evaluations behind it and its rank (with a
// confidence interval on the rank where the estimator gives one).
#ifndef DEPTHLAB_STORE_INFLUENCE_REPOSITORY_H_
#define DEPTHLAB_STORE_INFLUENCE_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/store.h"

namespace depthlab::store {

struct InfluenceRow {
  int64_t sweep_id = 0;
  std::string metric;  // e.g. "cosine", "shapley" (non-empty)
  std::string unit;    // e.g. "attn[3]", "block[7]" (non-empty)
  double value = 0;
  std::optional<double> std_error;  // column `stderr`
  int64_t evaluations = 0;
  int rank = 0;  // 1 = most influential (removed last)
  std::optional<int> rank_lo;
  std::optional<int> rank_hi;
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class InfluenceRepository {
 public:
  explicit InfluenceRepository(Store& store) : store_(store) {}

  // Replaces every row of (sweep_id, metric) by `rows`, whose own sweep_id and metric are
  // ignored. InvalidArgument for an empty metric or unit, AlreadyExists for a unit listed twice
  // (nothing is replaced then), NotFound for an unknown sweep.
  absl::Status Replace(int64_t sweep_id, absl::string_view metric,
                       const std::vector<InfluenceRow>& rows);
  // The sweep's rows ordered by metric, rank, unit; only `metric`'s when non-empty.
  absl::StatusOr<std::vector<InfluenceRow>> Get(int64_t sweep_id, absl::string_view metric = "");

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_INFLUENCE_REPOSITORY_H_
