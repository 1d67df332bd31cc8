// The round protocol every estimator shares: batching, budget, validation of observations, and
// determinism (resume by replay).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/testing/games.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using games::Game;
using ::testing::HasSubstr;

constexpr int kPlayers = 9;

Game TestGame() {
  std::vector<double> w(kPlayers);
  std::vector<std::vector<double>> a(kPlayers, std::vector<double>(kPlayers, 0.0));
  for (int i = 0; i < kPlayers; ++i) {
    w[i] = 0.1 * ((i * 7) % kPlayers);
    for (int j = 0; j < i; ++j) a[i][j] = a[j][i] = 0.05 * (((i + 2 * j) % 5) - 2);
  }
  return games::CollapseGame(games::PairwiseGame(w, a), 3);
}

EstimatorOptions Options(EstimatorKind kind) {
  EstimatorOptions o;
  o.kind = kind;
  o.num_players = kPlayers;
  o.seed = 11;
  o.batch_size = 20;
  o.pilot_samples = 2;
  o.bootstrap_samples = 50;
  const bool sampling = kind != EstimatorKind::kExact && kind != EstimatorKind::kPaperLoo;
  o.budget = sampling ? 300 : 0;
  return o;
}

std::unique_ptr<Estimator> Make(const EstimatorOptions& options) {
  absl::StatusOr<std::unique_ptr<Estimator>> estimator = MakeEstimator(options);
  EXPECT_TRUE(estimator.ok()) << estimator.status();
  return estimator.ok() ? *std::move(estimator) : nullptr;
}

void ExpectSameResult(const ShapleyResult& a, const ShapleyResult& b) {
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  EXPECT_EQ(a.evaluations, b.evaluations);
  EXPECT_EQ(a.samples, b.samples);
  ASSERT_EQ(a.players.size(), b.players.size());
  for (size_t i = 0; i < a.players.size(); ++i) {
    EXPECT_EQ(a.players[i].value, b.players[i].value) << i;
    EXPECT_EQ(a.players[i].std_error, b.players[i].std_error) << i;
    EXPECT_EQ(a.players[i].evaluations, b.players[i].evaluations) << i;
    EXPECT_EQ(a.players[i].rank_low, b.players[i].rank_low) << i;
    EXPECT_EQ(a.players[i].rank_high, b.players[i].rank_high) << i;
  }
}

// Drives an estimator like the coordinator, recording every Observe call.
struct Recording {
  std::vector<std::pair<std::vector<Coalition>, std::vector<double>>> calls;
  ShapleyResult result;
};

Recording RunRecorded(const EstimatorOptions& options, const Game& game) {
  Recording rec;
  std::unique_ptr<Estimator> est = Make(options);
  while (est && !est->Done()) {
    std::vector<Coalition> ask = est->Propose();
    std::vector<double> values = game.Values(ask);
    EXPECT_TRUE(est->Observe(ask, values).ok());
    rec.calls.emplace_back(std::move(ask), std::move(values));
  }
  if (est) rec.result = est->Result();
  return rec;
}

class ProtocolTest : public ::testing::TestWithParam<EstimatorKind> {};

TEST_P(ProtocolTest, ProposeIsBatchedAndRepeatsUntilObserved) {
  EstimatorOptions o = Options(GetParam());
  o.batch_size = 7;
  std::unique_ptr<Estimator> est = Make(o);
  ASSERT_NE(est, nullptr);
  const std::vector<Coalition> first = est->Propose();
  EXPECT_FALSE(first.empty());
  EXPECT_LE(first.size(), 7u);
  EXPECT_EQ(est->Propose(), first);
  EXPECT_FALSE(est->Done());
}

TEST_P(ProtocolTest, StaysWithinBudgetAndNeverAsksTwice) {
  const Game game = TestGame();
  const Recording rec = RunRecorded(Options(GetParam()), game);
  absl::flat_hash_set<Coalition> asked;
  for (const auto& [coalitions, values] : rec.calls) {
    for (const Coalition& c : coalitions) EXPECT_TRUE(asked.insert(c).second) << c.ToString();
  }
  EXPECT_EQ(rec.result.evaluations, static_cast<int64_t>(asked.size()));
  if (Options(GetParam()).budget > 0) {
    EXPECT_LE(rec.result.evaluations, 300);
  }
  EXPECT_NE(rec.result.stop_reason, StopReason::kRunning);
  EXPECT_EQ(rec.result.kind, GetParam());
}

TEST_P(ProtocolTest, ResumeFromAllValuesGivesTheSameResult) {
  const Game game = TestGame();
  const Recording rec = RunRecorded(Options(GetParam()), game);
  ValueMap known;
  for (const auto& [coalitions, values] : rec.calls) {
    for (size_t i = 0; i < coalitions.size(); ++i) known[coalitions[i]] = values[i];
  }
  absl::StatusOr<std::unique_ptr<Estimator>> resumed = ResumeEstimator(Options(GetParam()), known);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_TRUE((*resumed)->Done());
  ExpectSameResult((*resumed)->Result(), rec.result);
}

TEST_P(ProtocolTest, ResumeMidRunContinuesAsTheOriginalWould) {
  const Game game = TestGame();
  const EstimatorOptions o = Options(GetParam());
  const Recording rec = RunRecorded(o, game);
  const size_t half = rec.calls.size() / 2;
  ValueMap known;
  std::unique_ptr<Estimator> replayed = Make(o);
  for (size_t k = 0; k < half; ++k) {
    const auto& [coalitions, values] = rec.calls[k];
    for (size_t i = 0; i < coalitions.size(); ++i) known[coalitions[i]] = values[i];
    ASSERT_TRUE(replayed->Observe(coalitions, values).ok());
  }
  absl::StatusOr<std::unique_ptr<Estimator>> resumed = ResumeEstimator(o, known);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->Outstanding(), replayed->Outstanding());
  const absl::StatusOr<ShapleyResult> finished = games::Play(**resumed, game);
  ASSERT_TRUE(finished.ok()) << finished.status();
  ExpectSameResult(*finished, rec.result);
}

TEST_P(ProtocolTest, OrderAndGroupingOfObservationsDoNotMatter) {
  const Game game = TestGame();
  const Recording rec = RunRecorded(Options(GetParam()), game);
  std::unique_ptr<Estimator> est = Make(Options(GetParam()));
  while (!est->Done()) {  // one coalition per call, last first
    std::vector<Coalition> round = est->Outstanding();
    std::reverse(round.begin(), round.end());
    for (const Coalition& c : round) ASSERT_TRUE(est->Observe({c}, {game.value(c)}).ok());
  }
  ExpectSameResult(est->Result(), rec.result);
}

TEST_P(ProtocolTest, ResultBeforeAnyValueIsEmptyButWellFormed) {
  std::unique_ptr<Estimator> est = Make(Options(GetParam()));
  const ShapleyResult r = est->Result();
  EXPECT_EQ(r.players.size(), static_cast<size_t>(kPlayers));
  EXPECT_EQ(r.evaluations, 0);
  EXPECT_EQ(r.stop_reason, StopReason::kRunning);
  EXPECT_TRUE(std::isnan(r.efficiency.gap));
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ProtocolTest,
                         ::testing::Values(EstimatorKind::kPaperLoo,
                                           EstimatorKind::kPaperRandomSubnetworks,
                                           EstimatorKind::kExact, EstimatorKind::kPermutation,
                                           EstimatorKind::kKernel, EstimatorKind::kStratified),
                         [](const auto& p) { return EstimatorKindName(p.param); });

TEST(ObserveTest, RejectsBadObservationsWithoutChangingState) {
  std::unique_ptr<Estimator> est = Make(Options(EstimatorKind::kPermutation));
  const std::vector<Coalition> ask = est->Propose();
  ASSERT_GE(ask.size(), 2u);
  const std::vector<Coalition> outstanding = est->Outstanding();
  const auto expect_invalid = [&](const std::vector<Coalition>& c, const std::vector<double>& v,
                                  const char* what) {
    const std::vector<Coalition> before = est->Outstanding();
    const absl::Status s = est->Observe(c, v);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << what;
    EXPECT_THAT(s.message(), HasSubstr(what));
    EXPECT_EQ(est->Outstanding(), before);  // all or nothing
  };
  expect_invalid({ask[0], ask[1]}, {1.0}, "2 coalitions but 1 values");
  expect_invalid({ask[0], Coalition::Full(kPlayers + 1)}, {1, 2}, "has 10 players");
  Coalition never = ask[0];
  while (std::find(outstanding.begin(), outstanding.end(), never) != outstanding.end()) {
    never = never.Size() > 0 ? never.Without(never.Members()[0]) : never.With(0).With(1);
  }
  expect_invalid({ask[0], never}, {1, 2}, "not outstanding");
  expect_invalid({ask[0], ask[0]}, {1, 1}, "not outstanding");
  expect_invalid({ask[0], ask[1]}, {1, std::nan("")}, "not finite");
  expect_invalid({ask[0]}, {std::numeric_limits<double>::infinity()}, "not finite");
  EXPECT_TRUE(est->Observe({ask[0]}, {1.0}).ok());
  expect_invalid({ask[0]}, {1.0}, "not outstanding");  // already observed
}

TEST(ObserveTest, FinishedEstimatorProposesNothing) {
  const Game game = TestGame();
  std::unique_ptr<Estimator> est = Make(Options(EstimatorKind::kPaperLoo));
  ASSERT_TRUE(games::Play(*est, game).ok());
  EXPECT_TRUE(est->Done());
  EXPECT_TRUE(est->Propose().empty());
  EXPECT_TRUE(est->Observe({}, {}).ok());
  EXPECT_EQ(est->Observe({Coalition::Full(kPlayers)}, {1.0}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace depthlab::shapley
