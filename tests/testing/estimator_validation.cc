#include "tests/testing/estimator_validation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/status_macros.h"
#include "coordinator/shapley/ranking.h"

namespace depthlab::testing {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ95 = 1.96;

double Mean(const std::vector<double>& x) {
  if (x.empty()) return kNaN;
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

}  // namespace

std::vector<double> Values(const shapley::ShapleyResult& result) {
  std::vector<double> values;
  for (const shapley::PlayerEstimate& p : result.players) values.push_back(p.value);
  return values;
}

absl::StatusOr<shapley::ShapleyResult> ExactShapley(const shapley::games::Game& game) {
  shapley::EstimatorOptions options;
  options.kind = shapley::EstimatorKind::kExact;
  options.num_players = game.n;
  options.bootstrap_samples = 0;
  return shapley::games::Play(options, game);
}

absl::StatusOr<EstimatorScore> ScoreEstimator(const shapley::games::Game& game,
                                              const std::vector<double>& exact,
                                              shapley::EstimatorOptions options, int runs) {
  // Rank intervals are not scored; skipping their bootstrap keeps hundreds of runs cheap.
  options.bootstrap_samples = 0;
  EstimatorScore score;
  score.runs = runs;
  std::vector<double> abs_errors, squared_errors, covered, half_widths, evaluations, samples;
  for (int run = 0; run < runs; ++run) {
    options.seed = static_cast<uint64_t>(run) + 1;
    DEPTHLAB_ASSIGN_OR_RETURN(const shapley::ShapleyResult result,
                              shapley::games::Play(options, game));
    const std::vector<double> estimate = Values(result);
    DEPTHLAB_ASSIGN_OR_RETURN(const double tau, shapley::KendallTau(estimate, exact));
    score.taus.push_back(tau);
    evaluations.push_back(static_cast<double>(result.evaluations));
    samples.push_back(static_cast<double>(result.samples));
    for (size_t i = 0; i < exact.size(); ++i) {
      const double error = std::fabs(estimate[i] - exact[i]);
      abs_errors.push_back(error);
      squared_errors.push_back(error * error);
      if (!result.has_std_errors) continue;
      const double half_width = kZ95 * result.players[i].std_error;
      covered.push_back(error <= half_width ? 1.0 : 0.0);
      if (std::isfinite(half_width)) half_widths.push_back(half_width);
    }
  }
  score.mean_abs_error = Mean(abs_errors);
  score.rmse = std::sqrt(Mean(squared_errors));
  score.coverage = Mean(covered);
  score.mean_half_width = Mean(half_widths);
  score.mean_evaluations = Mean(evaluations);
  score.mean_samples = Mean(samples);
  score.mean_tau = Mean(score.taus);
  score.median_tau = Median(score.taus);
  return score;
}

double StdDev(const std::vector<double>& x) {
  const double mean = Mean(x);
  double sum = 0;
  for (double v : x) sum += (v - mean) * (v - mean);
  return x.empty() ? kNaN : std::sqrt(sum / static_cast<double>(x.size()));
}

double Median(std::vector<double> x) {
  if (x.empty()) return kNaN;
  std::sort(x.begin(), x.end());
  const size_t mid = x.size() / 2;
  return x.size() % 2 ? x[mid] : (x[mid - 1] + x[mid]) / 2;
}

}  // namespace depthlab::testing
