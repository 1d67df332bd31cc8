#include "coordinator/shapley/ranking.h"

#include <cmath>
#include <cstddef>
#include <vector>

#include "coordinator/shapley/linear_solve.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using ::testing::ElementsAre;

TEST(RanksTest, HighestIsOneAndTiesGoToTheLowerIndex) {
  EXPECT_THAT(Ranks({0.5, 2.0, -1.0, 2.0}), ElementsAre(3, 1, 4, 2));
}

TEST(BootstrapRankIntervalsTest, PercentilesOfReplicateRanks) {
  const std::vector<double> point = {3, 2, 1};  // ranks 1, 2, 3
  std::vector<std::vector<double>> replicates;
  for (int r = 0; r < 100; ++r) {
    // Players 0 and 1 swap in 10 replicates of 100: outside the 2.5..97.5 percentiles only if
    // fewer than 3 swaps, so both get [1, 2]; player 2 is always last.
    replicates.push_back(r < 10 ? std::vector<double>{2, 3, 1} : point);
  }
  const std::vector<RankInterval> intervals = BootstrapRankIntervals(point, replicates);
  EXPECT_EQ(intervals[0].low, 1);
  EXPECT_EQ(intervals[0].high, 2);
  EXPECT_EQ(intervals[1].low, 1);
  EXPECT_EQ(intervals[1].high, 2);
  EXPECT_EQ(intervals[2].low, 3);
  EXPECT_EQ(intervals[2].high, 3);
}

TEST(BootstrapRankIntervalsTest, RareSwapsStayOutsideAndNoReplicatesGivePointRanks) {
  const std::vector<double> point = {3, 2, 1};
  std::vector<std::vector<double>> replicates(100, point);
  replicates[0] = {2, 3, 1};  // 1% of replicates: below the 2.5% tail
  std::vector<RankInterval> intervals = BootstrapRankIntervals(point, replicates);
  EXPECT_EQ(intervals[0].low, 1);
  EXPECT_EQ(intervals[0].high, 1);
  intervals = BootstrapRankIntervals(point, {});
  EXPECT_EQ(intervals[1].low, 2);
  EXPECT_EQ(intervals[1].high, 2);
}

TEST(KendallTauTest, KnownValues) {
  EXPECT_DOUBLE_EQ(*KendallTau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(*KendallTau({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // One adjacent swap among 4: 5 concordant, 1 discordant pair of 6.
  EXPECT_DOUBLE_EQ(*KendallTau({1, 2, 3, 4}, {1, 2, 4, 3}), 2.0 / 3.0);
  // tau-b with ties in b: 4 concordant, 0 discordant; 6 and 4 untied pairs.
  EXPECT_DOUBLE_EQ(*KendallTau({1, 2, 3, 4}, {1, 1, 2, 2}), 4.0 / std::sqrt(24.0));
  EXPECT_DOUBLE_EQ(*KendallTau({1, 2, 3}, {2, 3, 1}), -1.0 / 3.0);  // 1 concordant, 2 not
}

TEST(KendallTauTest, RejectsMismatchedShortOrConstantInputs) {
  EXPECT_EQ(KendallTau({1, 2}, {1, 2, 3}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KendallTau({1}, {1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KendallTau({1, 1, 1}, {1, 2, 3}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LinearSolveTest, SolvesWithPivotingAndSeveralRightHandSides) {
  Matrix a(3);
  a.data = {0, 2, 1,  // a zero first pivot needs a row swap
            1, 1, 1,  //
            2, 1, 3};
  // Columns: a * (1, 2, 3) and a * (-1, 0, 1).
  std::vector<double> b = {7, 1, 6, 0, 13, 1};
  ASSERT_TRUE(SolveLinearSystem(a, b, 2));
  const std::vector<double> expected = {1, -1, 2, 0, 3, 1};
  for (size_t i = 0; i < b.size(); ++i) EXPECT_NEAR(b[i], expected[i], 1e-12) << i;
}

TEST(LinearSolveTest, ReportsSingularMatrices) {
  Matrix a(2);
  a.data = {1, 2, 2, 4};
  std::vector<double> b = {1, 2};
  EXPECT_FALSE(SolveLinearSystem(a, b, 1));
}

}  // namespace
}  // namespace depthlab::shapley
