// Shapley estimators on a real model (issue 5): the bundled model's block game, every coalition
// valued once (tests/testing/block_game.h), is the oracle. Exact Shapley values must be efficient
// on it; permutation, kernel and stratified at equal budgets must come close to them (error well
// under the spread of the values), with 95% intervals that cover and rankings that agree; and
// paper_loo's ranking against the exact one is reported. The model is retrained from time to time,
// so nothing here depends on its numbers: the bounds are relative to the spread of the exact
// values, and a control shows that uninformative estimates fail them.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "coordinator/shapley/estimator_options.h"
#include "coordinator/shapley/ranking.h"
#include "coordinator/shapley/rng.h"
#include "coordinator/shapley/shapley_result.h"
#include "coordinator/shapley/testing/games.h"
#include "gtest/gtest.h"
#include "tests/testing/block_game.h"
#include "tests/testing/estimator_validation.h"

namespace depthlab::tests {
namespace {

using shapley::Coalition;
using shapley::EstimatorKind;
using shapley::EstimatorOptions;
using shapley::ShapleyResult;
using testing::EstimatorScore;

constexpr int kRuns = 20;  // seeds 1..20 per case
// Half of the 2^8 coalitions of the bundled model. Stratified's pilot alone needs 210 at n = 8
// (MinimumBudget with the smallest pilot), so all three are compared at the next budget up.
constexpr int64_t kHalf = 128;
constexpr int64_t kAllThree = 224;
constexpr double kMinCoverage = 0.85;  // of 95% intervals, over seeds x blocks

// The block game, valued once per process for every test (2^8 forwards of the model).
const absl::StatusOr<testing::BlockGame>& BundledBlockGame() {
  static const auto* const game = [] {
    testing::BlockGameOptions options;
    options.model_dir = std::string(DEPTHLAB_SOURCE_DIR) + "/models/tiny";
    options.calibration_path = std::string(DEPTHLAB_SOURCE_DIR) + "/data/calibration/test.jsonl";
    auto* result = new absl::StatusOr<testing::BlockGame>(testing::EvaluateBlockGame(options));
    if (result->ok()) {
      std::cout << "block game: " << (1 << (*result)->num_blocks) << " coalitions valued in "
                << (*result)->seconds << " s on " << (*result)->engine << "\n";
    }
    return result;
  }();
  return *game;
}

class ShapleyValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(BundledBlockGame().ok()) << BundledBlockGame().status();
    block_game_ = &*BundledBlockGame();
  }

  shapley::games::Game Game() const { return block_game_->AsGame(); }
  std::vector<double> Exact() const {
    absl::StatusOr<ShapleyResult> exact = testing::ExactShapley(Game());
    EXPECT_TRUE(exact.ok()) << exact.status();
    return exact.ok() ? testing::Values(*exact) : std::vector<double>();
  }

  const testing::BlockGame* block_game_ = nullptr;  // not owned
};

TEST_F(ShapleyValidationTest, ExactValuesAreEfficientAndMatchAnIndependentSum) {
  absl::StatusOr<ShapleyResult> exact = testing::ExactShapley(Game());
  ASSERT_TRUE(exact.ok()) << exact.status();
  const int n = block_game_->num_blocks;
  const double grand =
      block_game_->Value(Coalition::Full(n)) - block_game_->Value(Coalition::Empty(n));
  double sum = 0;
  for (const shapley::PlayerEstimate& p : exact->players) sum += p.value;
  EXPECT_NEAR(sum, grand, 1e-9);
  EXPECT_NEAR(exact->efficiency.gap, 0, 1e-9);
  EXPECT_EQ(exact->evaluations, int64_t{1} << n);
  // Removing every block costs loss: the game is not degenerate.
  EXPECT_GT(grand, 0);
  const std::vector<double> reference = shapley::games::ShapleyBySubsets(Game());
  for (int b = 0; b < n; ++b) EXPECT_NEAR(exact->players[b].value, reference[b], 1e-9) << b;
}

// Bounds per estimator and budget, set from the measured scores on the bundled model with a
// margin of about 1.7x or more (bench/shapley_validation_bench prints the full table). The error
// is relative to the spread of the exact values (their standard deviation over blocks), so the
// bounds do not depend on the model's loss scale. Measured when they were set (seeds 1..20;
// mean |error| / std(phi), median tau): permutation 0.28, 0.39 and kernel 0.14, 0.54 at 128;
// permutation 0.16, 0.57, kernel 0.03, 0.89 and stratified 0.03, 0.93 at 224. The taus are
// modest because seven of the eight blocks have nearly equal values (within 0.8 nats; the first
// block holds over a third of the total), so errors far smaller than the spread reorder them.
struct Case {
  EstimatorKind kind;
  int64_t budget;
  double max_relative_error;  // mean |phi_hat - phi| / std(phi)
  double min_median_tau;      // Kendall tau against the exact values, median over seeds
};

// The loosest bounds of any case; UninformativeEstimatesFailTheBounds checks them.
constexpr double kLoosestRelativeError = 0.5;
constexpr double kLoosestMedianTau = 0.2;

class ShapleyValidationSamplingTest : public ShapleyValidationTest,
                                      public ::testing::WithParamInterface<Case> {};

TEST_P(ShapleyValidationSamplingTest, CloseToExactWithCoveringIntervalsAndAgreeingRanks) {
  const Case& c = GetParam();
  const std::vector<double> exact = Exact();
  EstimatorOptions options;
  options.kind = c.kind;
  options.num_players = block_game_->num_blocks;
  options.budget = c.budget;
  options.pilot_samples = 2;  // stratified's smallest pilot
  absl::StatusOr<EstimatorScore> score = testing::ScoreEstimator(Game(), exact, options, kRuns);
  ASSERT_TRUE(score.ok()) << score.status();
  const double spread = testing::StdDev(exact);
  std::cout << shapley::EstimatorKindName(c.kind) << " at " << c.budget << ": mean |error| "
            << score->mean_abs_error << " = " << score->mean_abs_error / spread
            << " std(phi), coverage " << score->coverage << ", median tau " << score->median_tau
            << ", mean evaluations " << score->mean_evaluations << "\n";
  EXPECT_LE(score->mean_evaluations, static_cast<double>(c.budget));
  EXPECT_LE(score->mean_abs_error, c.max_relative_error * spread);
  EXPECT_GE(score->coverage, kMinCoverage);
  EXPECT_GE(score->median_tau, c.min_median_tau);
}

INSTANTIATE_TEST_SUITE_P(Budgets, ShapleyValidationSamplingTest,
                         ::testing::Values(Case{EstimatorKind::kPermutation, kHalf,
                                                kLoosestRelativeError, kLoosestMedianTau},
                                           Case{EstimatorKind::kKernel, kHalf, 0.25, 0.3},
                                           Case{EstimatorKind::kPermutation, kAllThree, 0.3, 0.3},
                                           Case{EstimatorKind::kKernel, kAllThree, 0.1, 0.5},
                                           Case{EstimatorKind::kStratified, kAllThree, 0.1, 0.5}),
                         [](const auto& p) {
                           return absl::StrCat(shapley::EstimatorKindName(p.param.kind), "_",
                                               p.param.budget);
                         });

// The pilot that keeps stratified out of the 128-coalition comparison.
TEST_F(ShapleyValidationTest, StratifiedNeedsMoreThanHalfTheCoalitions) {
  EstimatorOptions options;
  options.kind = EstimatorKind::kStratified;
  options.num_players = block_game_->num_blocks;
  options.pilot_samples = 2;
  EXPECT_GT(shapley::MinimumBudget(options), kHalf);
  EXPECT_LE(shapley::MinimumBudget(options), kAllThree);
}

// The bounds can fail. The equal split (v(all) - v(none)) / n is efficient but says nothing
// about the blocks; its mean |error| is the mean absolute deviation of phi, which for 8 values is
// at least 2 sqrt(7) / 8 = 0.66 of their standard deviation, above every error bound for any
// model. Random values (uniform, independent of the blocks) have a median tau near 0.
TEST_F(ShapleyValidationTest, UninformativeEstimatesFailTheBounds) {
  const std::vector<double> exact = Exact();
  const double spread = testing::StdDev(exact);
  const int n = block_game_->num_blocks;
  const double equal_share =
      (block_game_->Value(Coalition::Full(n)) - block_game_->Value(Coalition::Empty(n))) / n;
  double equal_split_error = 0;
  for (double phi : exact) equal_split_error += std::fabs(equal_share - phi) / n;
  EXPECT_GT(equal_split_error, kLoosestRelativeError * spread);

  shapley::Rng rng(1);
  std::vector<double> taus;
  for (int run = 0; run < kRuns; ++run) {
    std::vector<double> noise(exact.size());
    for (double& x : noise) x = rng.UniformDouble();
    absl::StatusOr<double> tau = shapley::KendallTau(noise, exact);
    ASSERT_TRUE(tau.ok()) << tau.status();
    taus.push_back(*tau);
  }
  EXPECT_LT(testing::Median(taus), kLoosestMedianTau);
}

// The paper's default ranks blocks by leave-one-out; how far that is from the Shapley ranking is
// a property of the model, so it is reported rather than asserted.
TEST_F(ShapleyValidationTest, ReportsPaperLooAgainstExact) {
  const std::vector<double> exact = Exact();
  EstimatorOptions options;
  options.kind = EstimatorKind::kPaperLoo;
  options.num_players = block_game_->num_blocks;
  absl::StatusOr<ShapleyResult> loo = shapley::games::Play(options, Game());
  ASSERT_TRUE(loo.ok()) << loo.status();
  absl::StatusOr<double> tau = shapley::KendallTau(testing::Values(*loo), exact);
  ASSERT_TRUE(tau.ok()) << tau.status();
  EXPECT_EQ(loo->evaluations, block_game_->num_blocks + 2);
  std::cout << "paper_loo: Kendall tau against exact " << *tau << "\n";
  RecordProperty("paper_loo_kendall_tau", absl::StrCat(*tau));
}

}  // namespace
}  // namespace depthlab::tests
