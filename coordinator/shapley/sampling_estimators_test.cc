// The sampling estimators (permutation, kernel, stratified, paper_random_subnetworks) on games
// with known values: convergence with budget, interval coverage, stopping at a target standard
// error, efficiency, exactness on additive games, and sane rank intervals.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/rng.h"
#include "coordinator/shapley/testing/games.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using games::Game;

constexpr int kPlayers = 14;

std::vector<double> Uniforms(Rng& rng, int count, double low, double high) {
  std::vector<double> x(count);
  for (double& v : x) v = low + (high - low) * rng.UniformDouble();
  return x;
}

Game RandomPairwiseGame(uint64_t seed) {
  Rng rng(seed);
  const std::vector<double> w = Uniforms(rng, kPlayers, 0, 1);
  std::vector<std::vector<double>> a(kPlayers, std::vector<double>(kPlayers, 0.0));
  for (int i = 0; i < kPlayers; ++i) {
    for (int j = 0; j < i; ++j) a[i][j] = a[j][i] = 0.6 * rng.UniformDouble() - 0.3;
  }
  return games::PairwiseGame(w, a);
}

// The three test games: collapse below 6 players (of an additive game, and of one with pairwise
// interactions), and a weighted majority. (Antithetic and paired sampling are exact on games
// with only pairwise interactions, so those alone would not test convergence.)
struct NamedGame {
  const char* name;
  Game game;
};

std::vector<NamedGame> TestGames() {
  Rng rng(5);
  const std::vector<double> w = Uniforms(rng, kPlayers, 0, 1);
  std::vector<double> votes(kPlayers);
  for (double& v : votes) v = static_cast<double>(1 + rng.Uniform(5));
  double total = 0;
  for (double v : votes) total += v;
  return {{"collapse", games::CollapseGame(games::AdditiveGame(w), 6)},
          {"pairwise_collapse", games::CollapseGame(RandomPairwiseGame(3), 6)},
          {"voting", games::WeightedVotingGame(votes, std::floor(total / 2) + 1)}};
}

EstimatorOptions Options(EstimatorKind kind, int64_t budget, uint64_t seed) {
  EstimatorOptions o;
  o.kind = kind;
  o.num_players = kPlayers;
  o.budget = budget;
  o.seed = seed;
  o.batch_size = 64;
  o.bootstrap_samples = 50;
  return o;
}

// What the estimator targets: the Shapley value, or for paper_random_subnetworks its contrast.
std::vector<double> Truth(EstimatorKind kind, const Game& game) {
  if (kind == EstimatorKind::kPaperRandomSubnetworks) {
    return games::SubnetworkContrast(game, SubnetworkSize(Options(kind, 1, 0)));
  }
  return games::ShapleyBySubsets(game);
}

ShapleyResult MustPlay(const EstimatorOptions& options, const Game& game) {
  absl::StatusOr<ShapleyResult> r = games::Play(options, game);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ShapleyResult{};
}

double RootMeanSquareError(const ShapleyResult& r, const std::vector<double>& truth) {
  double sum = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    sum += (r.players[i].value - truth[i]) * (r.players[i].value - truth[i]);
  }
  return std::sqrt(sum / static_cast<double>(truth.size()));
}

class SamplingTest : public ::testing::TestWithParam<EstimatorKind> {};

// paper_random_subnetworks can only ask C(14, 7) = 3432 coalitions (and then draws repeats for
// free), so it gets budgets well inside that.
int64_t SmallBudget(EstimatorKind kind) {
  return kind == EstimatorKind::kPaperRandomSubnetworks ? 300 : 800;
}

TEST_P(SamplingTest, ErrorShrinksWithBudget) {
  for (const NamedGame& g : TestGames()) {
    const std::vector<double> truth = Truth(GetParam(), g.game);
    double small = 0, large = 0;  // mean over 5 seeds
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      EstimatorOptions o = Options(GetParam(), SmallBudget(GetParam()), seed);
      o.pilot_samples = 2;  // the default pilot alone needs 1374 evaluations at n = 14
      small += RootMeanSquareError(MustPlay(o, g.game), truth) / 5;
      o.budget *= 8;
      large += RootMeanSquareError(MustPlay(o, g.game), truth) / 5;
    }
    // 8x the budget should cut the error by ~sqrt(8) = 2.8x.
    EXPECT_LT(large, 0.6 * small) << g.name << ": " << small << " -> " << large;
    // Values are O(0.5) in the collapse games and O(0.07) in the voting game.
    EXPECT_LT(large, std::string(g.name) == "voting" ? 0.02 : 0.03) << g.name;
  }
}

TEST_P(SamplingTest, NinetyFivePercentIntervalsCoverTheTruth) {
  for (const NamedGame& g : TestGames()) {
    const std::vector<double> truth = Truth(GetParam(), g.game);
    int covered = 0, total = 0;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      const ShapleyResult r =
          MustPlay(Options(GetParam(), 3 * SmallBudget(GetParam()) + 600, seed), g.game);
      for (int i = 0; i < kPlayers; ++i, ++total) {
        const double error = std::fabs(r.players[i].value - truth[i]);
        covered += error <= 1.96 * r.players[i].std_error + 1e-12;
      }
    }
    EXPECT_GE(covered, 0.9 * total) << g.name << ": " << covered << " of " << total;
  }
}

TEST_P(SamplingTest, StopsOnceTheTargetStandardErrorIsReached) {
  const Game game = TestGames()[1].game;
  int64_t previous = 0;
  double target = 0.08;
  for (int run = 0; run < 2; ++run) {
    // A budget as a cap, not a goal: kernel decides what to enumerate from the budget.
    EstimatorOptions o = Options(GetParam(), 6000, 1);
    o.target_stderr = target;
    const ShapleyResult r = MustPlay(o, game);
    EXPECT_EQ(r.stop_reason, StopReason::kTargetReached) << target;
    EXPECT_LE(r.MaxStdError(), target);
    EXPECT_LT(r.evaluations, 6000);
    EXPECT_GT(r.evaluations, previous) << "a smaller target needs more evaluations";
    previous = r.evaluations;
    target = r.MaxStdError() / 2;  // about 4x the samples
  }
}

TEST_P(SamplingTest, SpendsTheBudgetWithoutATarget) {
  const ShapleyResult r = MustPlay(Options(GetParam(), 2000, 1), TestGames()[0].game);
  EXPECT_EQ(r.stop_reason, StopReason::kBudgetSpent);
  EXPECT_LE(r.evaluations, 2000);
  EXPECT_GE(r.evaluations, 2000 - 2 * kPlayers);  // less than one more unit was left
}

TEST_P(SamplingTest, RankIntervalsContainTheRankAndNarrowWithBudget) {
  const Game game = TestGames()[0].game;
  int width[2] = {0, 0};
  for (int b = 0; b < 2; ++b) {
    EstimatorOptions o = Options(GetParam(), b == 0 ? 1500 : 3000, 2);
    o.bootstrap_samples = 200;
    const ShapleyResult r = MustPlay(o, game);
    for (const PlayerEstimate& p : r.players) {
      EXPECT_LE(1, p.rank_low);
      EXPECT_LE(p.rank_low, p.rank);
      EXPECT_LE(p.rank, p.rank_high);
      EXPECT_LE(p.rank_high, kPlayers);
      width[b] += p.rank_high - p.rank_low;
    }
  }
  EXPECT_GT(width[0], 0) << "sampling noise should show in some rank interval";
  EXPECT_LT(width[1], width[0]);
}

TEST_P(SamplingTest, SameSeedSameResultOtherSeedOtherResult) {
  const Game game = TestGames()[2].game;
  const ShapleyResult a = MustPlay(Options(GetParam(), 1500, 7), game);
  const ShapleyResult b = MustPlay(Options(GetParam(), 1500, 7), game);
  const ShapleyResult c = MustPlay(Options(GetParam(), 1500, 8), game);
  bool differs = false;
  for (int i = 0; i < kPlayers; ++i) {
    EXPECT_EQ(a.players[i].value, b.players[i].value);
    EXPECT_EQ(a.players[i].rank_high, b.players[i].rank_high);
    differs |= a.players[i].value != c.players[i].value;
  }
  EXPECT_TRUE(differs);
}

INSTANTIATE_TEST_SUITE_P(Kinds, SamplingTest,
                         ::testing::Values(EstimatorKind::kPermutation, EstimatorKind::kKernel,
                                           EstimatorKind::kStratified,
                                           EstimatorKind::kPaperRandomSubnetworks),
                         [](const auto& p) { return EstimatorKindName(p.param); });

TEST(ShapleySamplingTest, PermutationAndKernelKeepEfficiencyExactly) {
  for (EstimatorKind kind : {EstimatorKind::kPermutation, EstimatorKind::kKernel}) {
    for (const NamedGame& g : TestGames()) {
      const ShapleyResult r = MustPlay(Options(kind, 1000, 3), g.game);
      EXPECT_NEAR(r.efficiency.gap, 0, 1e-9) << EstimatorKindName(kind) << " " << g.name;
      EXPECT_NEAR(r.efficiency.grand_value, r.value_all - r.value_none, 0);
    }
  }
}

TEST(ShapleySamplingTest, AntitheticAndPairedSamplingAreExactOnPairwiseGames) {
  const Game game = RandomPairwiseGame(4);
  const std::vector<double> truth = games::ShapleyBySubsets(game);
  for (EstimatorKind kind : {EstimatorKind::kPermutation, EstimatorKind::kKernel}) {
    const ShapleyResult r = MustPlay(Options(kind, 500, 3), game);
    for (int i = 0; i < kPlayers; ++i) {
      EXPECT_NEAR(r.players[i].value, truth[i], 1e-9) << EstimatorKindName(kind);
      EXPECT_NEAR(r.players[i].std_error, 0, 1e-9) << EstimatorKindName(kind);
    }
  }
}

TEST(ShapleySamplingTest, AdditiveGamesGiveTheWeightsWithZeroError) {
  Rng rng(9);
  const std::vector<double> w = Uniforms(rng, kPlayers, -1, 1);
  for (EstimatorKind kind :
       {EstimatorKind::kPermutation, EstimatorKind::kKernel, EstimatorKind::kStratified}) {
    const ShapleyResult r = MustPlay(Options(kind, 1500, 3), games::AdditiveGame(w));
    for (int i = 0; i < kPlayers; ++i) {
      EXPECT_NEAR(r.players[i].value, w[i], 1e-9) << EstimatorKindName(kind);
      EXPECT_NEAR(r.players[i].std_error, 0, 1e-9) << EstimatorKindName(kind);
    }
  }
}

TEST(ShapleySamplingTest, EvaluationsPerPlayerFollowTheirDefinitions) {
  const Game game = TestGames()[0].game;
  const ShapleyResult perm = MustPlay(Options(EstimatorKind::kPermutation, 1000, 1), game);
  EXPECT_EQ(perm.players[0].evaluations, 4 * perm.samples);
  const ShapleyResult subnets =
      MustPlay(Options(EstimatorKind::kPaperRandomSubnetworks, 1000, 1), game);
  EXPECT_EQ(subnets.players[0].evaluations, subnets.samples);
  EXPECT_GE(subnets.samples, 998);  // every evaluation but v(all) and v(none), plus repeats
  const ShapleyResult strat = MustPlay(Options(EstimatorKind::kStratified, 2000, 1), game);
  int64_t total = 0;
  for (const PlayerEstimate& p : strat.players) total += p.evaluations;
  EXPECT_EQ(total, 2 * strat.samples);
}

}  // namespace
}  // namespace depthlab::shapley
