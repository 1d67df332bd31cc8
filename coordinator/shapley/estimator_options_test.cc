#include "coordinator/shapley/estimator_options.h"

#include <functional>
#include <string>

#include "coordinator/shapley/estimator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using ::testing::HasSubstr;

TEST(EstimatorKindTest, NamesRoundTrip) {
  for (const char* name :
       {"paper_loo", "paper_random_subnetworks", "exact", "permutation", "kernel", "stratified"}) {
    const absl::StatusOr<EstimatorKind> kind = ParseEstimatorKind(name);
    ASSERT_TRUE(kind.ok()) << name;
    EXPECT_EQ(EstimatorKindName(*kind), name);
  }
}

TEST(EstimatorKindTest, UnknownNameListsValidOnes) {
  const absl::StatusOr<EstimatorKind> kind = ParseEstimatorKind("monte_carlo");
  EXPECT_EQ(kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(kind.status().message(), HasSubstr("\"monte_carlo\""));
  EXPECT_THAT(kind.status().message(),
              HasSubstr("paper_loo, paper_random_subnetworks, exact, permutation, kernel, "
                        "stratified"));
}

EstimatorOptions Valid(EstimatorKind kind) {
  EstimatorOptions o;
  o.kind = kind;
  o.num_players = 8;
  o.budget = 1000;
  return o;
}

TEST(EstimatorOptionsTest, DefaultsWithPlayersAndBudgetAreValid) {
  for (EstimatorKind kind :
       {EstimatorKind::kPaperLoo, EstimatorKind::kPaperRandomSubnetworks, EstimatorKind::kExact,
        EstimatorKind::kPermutation, EstimatorKind::kKernel, EstimatorKind::kStratified}) {
    EXPECT_TRUE(ValidateOptions(Valid(kind)).ok()) << EstimatorKindName(kind);
  }
  EstimatorOptions exact = Valid(EstimatorKind::kExact);
  exact.budget = 0;  // "what it needs"
  EXPECT_TRUE(ValidateOptions(exact).ok());
}

TEST(EstimatorOptionsTest, MinimumBudgets) {
  EstimatorOptions o = Valid(EstimatorKind::kPaperLoo);
  EXPECT_EQ(MinimumBudget(o), 10);
  o.kind = EstimatorKind::kExact;
  EXPECT_EQ(MinimumBudget(o), 256);
  o.kind = EstimatorKind::kPermutation;
  EXPECT_EQ(MinimumBudget(o), 16);
  o.kind = EstimatorKind::kKernel;
  EXPECT_EQ(MinimumBudget(o), 18);
  o.kind = EstimatorKind::kStratified;
  o.pilot_samples = 2;
  EXPECT_EQ(MinimumBudget(o), 2 + 16 + 2 * 8 * 6 * 2);
}

struct BadCase {
  std::string field;
  EstimatorKind kind;
  std::function<void(EstimatorOptions&)> mutate;
};

class InvalidOptionsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(InvalidOptionsTest, NamesTheField) {
  EstimatorOptions o = Valid(GetParam().kind);
  GetParam().mutate(o);
  const absl::Status status = ValidateOptions(o);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(GetParam().field + ":"));
  // MakeEstimator refuses the same options with the same error.
  EXPECT_EQ(MakeEstimator(o).status(), status);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, InvalidOptionsTest,
    ::testing::Values(
        BadCase{"num_players", EstimatorKind::kPermutation, [](auto& o) { o.num_players = 1; }},
        BadCase{"num_players", EstimatorKind::kExact, [](auto& o) { o.num_players = 17; }},
        BadCase{"num_players", EstimatorKind::kKernel, [](auto& o) { o.num_players = 5000; }},
        BadCase{"budget", EstimatorKind::kPermutation, [](auto& o) { o.budget = 0; }},
        BadCase{"budget", EstimatorKind::kPermutation, [](auto& o) { o.budget = 15; }},
        BadCase{"budget", EstimatorKind::kExact, [](auto& o) { o.budget = 255; }},
        BadCase{"budget", EstimatorKind::kPaperLoo, [](auto& o) { o.budget = -1; }},
        BadCase{"budget", EstimatorKind::kStratified, [](auto& o) { o.budget = 100; }},
        BadCase{"target_stderr", EstimatorKind::kKernel, [](auto& o) { o.target_stderr = -1; }},
        BadCase{"target_stderr", EstimatorKind::kKernel,
                [](auto& o) { o.target_stderr = std::nan(""); }},
        BadCase{"batch_size", EstimatorKind::kExact, [](auto& o) { o.batch_size = 0; }},
        BadCase{"bootstrap_samples", EstimatorKind::kPermutation,
                [](auto& o) { o.bootstrap_samples = -5; }},
        BadCase{"subnetwork_fraction", EstimatorKind::kPaperRandomSubnetworks,
                [](auto& o) { o.subnetwork_fraction = 1.0; }},
        BadCase{"min_samples", EstimatorKind::kPermutation, [](auto& o) { o.min_samples = 1; }},
        BadCase{"pilot_samples", EstimatorKind::kStratified, [](auto& o) { o.pilot_samples = 1; }},
        BadCase{"kind", EstimatorKind::kPermutation,
                [](auto& o) { o.kind = static_cast<EstimatorKind>(42); }}));

TEST(EstimatorOptionsTest, SubnetworkSizeRoundsAndClamps) {
  EstimatorOptions o = Valid(EstimatorKind::kPaperRandomSubnetworks);
  EXPECT_EQ(SubnetworkSize(o), 4);
  o.subnetwork_fraction = 0.9;
  EXPECT_EQ(SubnetworkSize(o), 7);
  o.subnetwork_fraction = 0.99;
  EXPECT_EQ(SubnetworkSize(o), 7);  // never all players
  o.subnetwork_fraction = 0.01;
  EXPECT_EQ(SubnetworkSize(o), 1);
}

}  // namespace
}  // namespace depthlab::shapley
