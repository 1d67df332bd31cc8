// What a Shapley estimation run reports (METHODS.md §4): per player a value, its standard error,
// the evaluations behind it and a bootstrap interval on its rank; per run the distinct evaluations
// spent and the efficiency check sum(phi) = v(all) - v(none).
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_SHAPLEY_RESULT_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_SHAPLEY_RESULT_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "coordinator/shapley/estimator_options.h"

namespace depthlab::shapley {

// Why a run stopped (kRunning while it has not).
enum class StopReason { kRunning, kComplete, kTargetReached, kBudgetSpent, kExhausted };
std::string StopReasonName(StopReason reason);  // "running", "complete", "target_reached", ...

struct PlayerEstimate {
  double value = 0;
  // 0 for exact values; +infinity while a sampling estimator has too few samples for a variance.
  // paper_loo reports 0 with ShapleyResult::has_std_errors false (not an estimate).
  double std_error = 0;
  // Oracle values that entered this player's estimate, counted with repeats (a value used twice
  // counts twice): e.g. 4 per antithetic pair for permutation, every regression row for kernel.
  int64_t evaluations = 0;
  int rank = 0;  // 1 = highest value; ties go to the lower player index
  // 95% bootstrap interval on the rank (2.5th and 97.5th percentiles of resampled ranks, widened
  // to contain `rank`); equal to `rank` for exact and paper_loo.
  int rank_low = 0;
  int rank_high = 0;
};

struct EfficiencyCheck {
  double sum_of_values = 0;                                       // sum over players of value
  double grand_value = std::numeric_limits<double>::quiet_NaN();  // v(all) - v(none)
  double gap = std::numeric_limits<double>::quiet_NaN();          // sum_of_values - grand_value
};

struct ShapleyResult {
  EstimatorKind kind = EstimatorKind::kPermutation;
  StopReason stop_reason = StopReason::kRunning;
  std::vector<PlayerEstimate> players;
  bool has_std_errors = true;  // false for paper_loo
  int64_t evaluations = 0;     // distinct coalitions valued by this run
  // Kind-specific sample count: antithetic pairs (permutation), sampled pairs (kernel), sampled
  // coalitions (paper_random_subnetworks), marginal contributions (stratified), coalitions (exact,
  // paper_loo).
  int64_t samples = 0;
  double value_all = std::numeric_limits<double>::quiet_NaN();   // v(all players)
  double value_none = std::numeric_limits<double>::quiet_NaN();  // v(no player)
  EfficiencyCheck efficiency;

  double MaxStdError() const;  // largest players[i].std_error; 0 if none
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_SHAPLEY_RESULT_H_
