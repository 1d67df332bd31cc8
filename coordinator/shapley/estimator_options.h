// What a Shapley estimation run is: which estimator (METHODS.md §4), over how many players, with
// which seed, budget and stopping rule. Validated once by ValidateOptions(); every error names the
// offending field.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_OPTIONS_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace depthlab::shapley {

enum class EstimatorKind {
  kPaperLoo,                // "paper_loo"
  kPaperRandomSubnetworks,  // "paper_random_subnetworks"
  kExact,                   // "exact"
  kPermutation,             // "permutation"
  kKernel,                  // "kernel"
  kStratified,              // "stratified"
};

// InvalidArgument naming `name` and listing the valid names.
absl::StatusOr<EstimatorKind> ParseEstimatorKind(absl::string_view name);
std::string EstimatorKindName(EstimatorKind kind);

inline constexpr int kMaxPlayers = 1024;
inline constexpr int kMaxExactPlayers = 16;

struct EstimatorOptions {
  EstimatorKind kind = EstimatorKind::kPermutation;
  int num_players = 0;  // n, 2..kMaxPlayers (exact: at most kMaxExactPlayers)
  uint64_t seed = 0;    // every random choice (proposals and bootstrap) derives from it
  // Most distinct coalitions the run may value. Required (> 0) for the sampling kinds; 0 means
  // "what it needs" for exact and paper_loo. At least MinimumBudget(options).
  int64_t budget = 0;
  // Sampling kinds stop once the largest per-player standard error is at most this (after
  // min_samples); 0 runs to the budget.
  double target_stderr = 0;
  int batch_size = 64;          // most coalitions one Propose() returns
  int bootstrap_samples = 200;  // resamples for rank intervals; 0 gives point ranks
  // paper_random_subnetworks: coalition size as a fraction of n (rounded, clamped to 1..n-1).
  double subnetwork_fraction = 0.5;
  // Samples before target_stderr may stop a run: antithetic pairs (permutation), sampled pairs
  // (kernel), sampled coalitions with and without each player (paper_random_subnetworks), marginal
  // contributions per player (stratified).
  int min_samples = 8;
  int pilot_samples = 4;  // stratified: samples per (player, size) stratum in the pilot round
};

// OK, or InvalidArgument naming the first bad field and what it must be.
absl::Status ValidateOptions(const EstimatorOptions& options);

// The fewest evaluations `options.kind` needs for its first round (exact: 2^n; paper_loo: n + 2;
// permutation: 2n, one antithetic pair; kernel: 2n + 2, v(none), v(all) and sizes 1 and n-1;
// stratified: the pilot; paper_random_subnetworks: 4). REQUIRES: 2 <= num_players <= kMaxPlayers.
int64_t MinimumBudget(const EstimatorOptions& options);

// paper_random_subnetworks' coalition size: round(fraction * n) clamped to [1, n - 1].
int SubnetworkSize(const EstimatorOptions& options);

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_ESTIMATOR_OPTIONS_H_
