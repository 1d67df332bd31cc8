// exact and paper_loo against references computed without the library's estimators.
#include <cmath>
#include <cstddef>
#include <memory>
#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/rng.h"
#include "coordinator/shapley/testing/games.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using games::AdditiveGame;
using games::CollapseGame;
using games::Game;
using games::PairwiseGame;
using games::PairwiseShapley;
using games::Play;
using games::ShapleyByPermutations;
using games::ShapleyBySubsets;
using games::WeightedVotingGame;

struct Pairwise {
  std::vector<double> w;
  std::vector<std::vector<double>> a;
};

Pairwise RandomPairwise(int n, uint64_t seed) {
  Rng rng(seed);
  Pairwise p{std::vector<double>(n), std::vector<std::vector<double>>(n, std::vector<double>(n))};
  for (int i = 0; i < n; ++i) {
    p.w[i] = rng.UniformDouble();
    for (int j = 0; j < i; ++j) p.a[i][j] = p.a[j][i] = 0.6 * rng.UniformDouble() - 0.3;
  }
  return p;
}

EstimatorOptions Options(EstimatorKind kind, int n) {
  EstimatorOptions o;
  o.kind = kind;
  o.num_players = n;
  o.batch_size = 50;
  return o;
}

void ExpectNear(const ShapleyResult& r, const std::vector<double>& truth, double tolerance) {
  ASSERT_EQ(r.players.size(), truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(r.players[i].value, truth[i], tolerance) << "player " << i;
  }
}

std::vector<Game> ReferenceGames() {
  const Pairwise p = RandomPairwise(6, 3);
  return {WeightedVotingGame({4, 3, 3, 2, 2, 1, 1}, 9), PairwiseGame(p.w, p.a),
          CollapseGame(AdditiveGame({0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4}), 3),
          CollapseGame(PairwiseGame(p.w, p.a), 4)};
}

TEST(ReferenceTest, SubsetSumAgreesWithPermutationAverage) {
  for (const Game& game : ReferenceGames()) {
    const std::vector<double> by_permutations = ShapleyByPermutations(game);
    const std::vector<double> by_subsets = ShapleyBySubsets(game);
    for (int i = 0; i < game.n; ++i) EXPECT_NEAR(by_subsets[i], by_permutations[i], 1e-12);
  }
}

TEST(ExactEstimatorTest, MatchesPermutationReferenceOnEveryGame) {
  for (const Game& game : ReferenceGames()) {
    const absl::StatusOr<ShapleyResult> r = Play(Options(EstimatorKind::kExact, game.n), game);
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectNear(*r, ShapleyByPermutations(game), 1e-12);
    EXPECT_NEAR(r->efficiency.gap, 0, 1e-12);
    EXPECT_EQ(r->stop_reason, StopReason::kComplete);
    EXPECT_EQ(r->evaluations, int64_t{1} << game.n);
    for (const PlayerEstimate& p : r->players) {
      EXPECT_EQ(p.std_error, 0);
      EXPECT_EQ(p.rank_low, p.rank);
      EXPECT_EQ(p.rank_high, p.rank);
    }
  }
}

TEST(ExactEstimatorTest, PairwiseInteractionsSplitEvenly) {
  const Pairwise p = RandomPairwise(12, 7);
  const absl::StatusOr<ShapleyResult> r =
      Play(Options(EstimatorKind::kExact, 12), PairwiseGame(p.w, p.a));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear(*r, PairwiseShapley(p.w, p.a), 1e-12);
  EXPECT_NEAR(r->efficiency.sum_of_values, r->value_all - r->value_none, 1e-12);
}

TEST(ExactEstimatorTest, AdditiveGameGivesTheWeightsAndTheirRanks) {
  const std::vector<double> w = {0.3, -0.2, 1.5, 0.0};
  const absl::StatusOr<ShapleyResult> r = Play(Options(EstimatorKind::kExact, 4), AdditiveGame(w));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear(*r, w, 1e-15);
  EXPECT_EQ(r->players[2].rank, 1);
  EXPECT_EQ(r->players[1].rank, 4);
  EXPECT_EQ(r->players[0].evaluations, 16);
}

TEST(PaperLooEstimatorTest, IsPresentMinusAbsentExactly) {
  const Game game = WeightedVotingGame({4, 3, 3, 2, 2, 1, 1}, 9);
  EstimatorOptions o = Options(EstimatorKind::kPaperLoo, game.n);
  o.batch_size = 3;  // spread the single round over several batches
  const absl::StatusOr<ShapleyResult> r = Play(o, game);
  ASSERT_TRUE(r.ok()) << r.status();
  const Coalition all = Coalition::Full(game.n);
  for (int i = 0; i < game.n; ++i) {
    EXPECT_EQ(r->players[i].value, game.value(all) - game.value(all.Without(i)));
    EXPECT_EQ(r->players[i].std_error, 0);
    EXPECT_EQ(r->players[i].evaluations, 2);
    EXPECT_EQ(r->players[i].rank_low, r->players[i].rank);
  }
  EXPECT_FALSE(r->has_std_errors);
  EXPECT_EQ(r->evaluations, game.n + 2);
  EXPECT_EQ(r->stop_reason, StopReason::kComplete);
  EXPECT_EQ(r->value_none, 0);
  EXPECT_EQ(r->value_all, 1);
  EXPECT_EQ(r->efficiency.gap, r->efficiency.sum_of_values - 1);
}

TEST(KernelEstimatorTest, EnumeratesEverySizeWhenTheBudgetCoversAllCoalitions) {
  for (const Game& game : ReferenceGames()) {
    EstimatorOptions o = Options(EstimatorKind::kKernel, game.n);
    o.budget = int64_t{1} << game.n;
    const absl::StatusOr<ShapleyResult> r = Play(o, game);
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectNear(*r, ShapleyByPermutations(game), 1e-10);
    EXPECT_EQ(r->stop_reason, StopReason::kComplete);
    EXPECT_EQ(r->samples, 0);
    EXPECT_EQ(r->MaxStdError(), 0);
  }
}

}  // namespace
}  // namespace depthlab::shapley
