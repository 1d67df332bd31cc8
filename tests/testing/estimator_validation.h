// Scores Shapley estimators against exact values on a game whose coalitions are all known (a
// tabulated block game): error, 95% interval coverage and Kendall's tau of the values against the
// exact ones, over many seeds. Pure arithmetic over the oracle; no model runs here.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(ShapleyResult exact, ExactShapley(game));
//   EstimatorOptions o{.kind = EstimatorKind::kKernel, .num_players = game.n, .budget = 128};
//   DEPTHLAB_ASSIGN_OR_RETURN(EstimatorScore score, ScoreEstimator(game, Values(exact), o, 20));
#ifndef DEPTHLAB_TESTS_TESTING_ESTIMATOR_VALIDATION_H_
#define DEPTHLAB_TESTS_TESTING_ESTIMATOR_VALIDATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/shapley/estimator_options.h"
#include "coordinator/shapley/shapley_result.h"
#include "coordinator/shapley/testing/games.h"

namespace depthlab::testing {

// One estimator configuration scored over `runs` seeds; averages are over runs (and players).
struct EstimatorScore {
  int runs = 0;
  double mean_abs_error = 0;  // |phi_hat_i - phi_i| over runs x players
  double rmse = 0;            // sqrt of the mean squared error over runs x players
  // Fraction of (run, player) with |phi_hat_i - phi_i| <= 1.96 se_i (an infinite se covers).
  // NaN when the estimator reports no standard errors (paper_loo).
  double coverage = 0;
  double mean_half_width = 0;   // mean finite 1.96 se_i; NaN without standard errors
  double mean_evaluations = 0;  // distinct coalitions valued per run
  double mean_samples = 0;      // ShapleyResult::samples per run (pairs, draws, ...)
  std::vector<double> taus;     // Kendall's tau of phi_hat against phi, per run
  double mean_tau = 0;
  double median_tau = 0;
};

// Player values of a result, in player order.
std::vector<double> Values(const shapley::ShapleyResult& result);

// The exact estimator's result on `game`. REQUIRES: game.n <= kMaxExactPlayers.
absl::StatusOr<shapley::ShapleyResult> ExactShapley(const shapley::games::Game& game);

// Runs `options` with seeds 1..runs (options.seed is ignored) against `game` and scores each run
// against `exact`. MakeEstimator's InvalidArgument when the options are invalid (say, a budget
// under MinimumBudget); InvalidArgument when an estimate is constant (tau is undefined).
absl::StatusOr<EstimatorScore> ScoreEstimator(const shapley::games::Game& game,
                                              const std::vector<double>& exact,
                                              shapley::EstimatorOptions options, int runs);

// Population standard deviation and median of a sample (NaN when empty).
double StdDev(const std::vector<double>& x);
double Median(std::vector<double> x);

}  // namespace depthlab::testing

#endif  // DEPTHLAB_TESTS_TESTING_ESTIMATOR_VALIDATION_H_
