#include "coordinator/shapley/coalition.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace depthlab::shapley {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CoalitionTest, EmptyFullAndMembership) {
  const Coalition full = Coalition::Full(5);
  EXPECT_EQ(full.Size(), 5);
  EXPECT_EQ(full.ToString(), "11111");
  EXPECT_EQ(Coalition::Empty(5).ToString(), "00000");
  const Coalition c = full.Without(1).Without(4);
  EXPECT_EQ(c.ToString(), "10110");
  EXPECT_THAT(c.Members(), ElementsAre(0, 2, 3));
  EXPECT_TRUE(c.Contains(2));
  EXPECT_FALSE(c.Contains(4));
  EXPECT_EQ(c.Complement().ToString(), "01001");
  EXPECT_EQ(c.With(4).ToString(), "10111");
}

TEST(CoalitionTest, WorksPastSixtyFourPlayers) {
  const Coalition c = Coalition::FromMembers(130, {0, 64, 129});
  EXPECT_EQ(c.Size(), 3);
  EXPECT_EQ(c.Complement().Size(), 127);
  EXPECT_FALSE(c.Complement().Contains(129));
  EXPECT_EQ(Coalition::Full(130).Size(), 130);
  EXPECT_EQ(c.Complement().Complement(), c);
}

TEST(CoalitionTest, MaskRoundTripIgnoresBitsPastThePlayers) {
  const Coalition c = Coalition::FromMask(4, 0xF5);  // only bits 0..3 count
  EXPECT_EQ(c.ToMask(), 0x5u);
  EXPECT_EQ(c.ToString(), "1010");
  EXPECT_EQ(Coalition::FromMask(64, ~uint64_t{0}).Size(), 64);
}

TEST(CoalitionTest, ParseRoundTripsAndRejectsOtherCharacters) {
  const absl::StatusOr<Coalition> c = Coalition::Parse("0110");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, Coalition::FromMembers(4, {1, 2}));
  const absl::StatusOr<Coalition> bad = Coalition::Parse("01x0");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("character 2"));
}

TEST(CoalitionTest, EqualityAndHashDependOnPlayerCount) {
  absl::flat_hash_set<Coalition> set = {Coalition::Empty(3), Coalition::Empty(4),
                                        Coalition::FromMembers(3, {1})};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(Coalition::Full(3).Without(0).Without(2)));
  EXPECT_NE(Coalition::Empty(3), Coalition::Empty(4));
  EXPECT_LT(Coalition::Empty(3), Coalition::FromMembers(3, {0}));
}

}  // namespace
}  // namespace depthlab::shapley
