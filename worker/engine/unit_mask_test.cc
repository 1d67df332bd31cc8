#include "worker/engine/unit_mask.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace depthlab::engine {
namespace {

using ::testing::HasSubstr;

TEST(UnitMaskTest, AppliesBlockAttentionMlpAndRanges) {
  UnitMask mask = UnitMask::AllKept(6);
  ASSERT_TRUE(mask.ApplyRemovals("block:2, attn:1,mlp:3,block:4-5").ok());
  EXPECT_EQ(mask.BitString(), "110100100000");
  EXPECT_EQ(mask.num_removed(), 8);
  EXPECT_EQ(mask.RemovedString(), "attn:1,block:2,mlp:3,block:4,block:5");
  EXPECT_FALSE(mask.kept({1, UnitKind::kAttention}));
  EXPECT_TRUE(mask.kept({1, UnitKind::kMlp}));
}

TEST(UnitMaskTest, FlatIndexFollowsThePaperOrder) {
  EXPECT_EQ((Unit{3, UnitKind::kAttention}).flat_index(), 6);
  EXPECT_EQ((Unit{3, UnitKind::kMlp}).flat_index(), 7);
  EXPECT_EQ(Unit::FromFlat(7).ToString(), "mlp:3");
}

TEST(UnitMaskTest, BadItemsAreInvalidArgumentNamingTheItem) {
  for (const auto& [spec, expected] : std::vector<std::pair<std::string, std::string>>{
           {"block:9", "'block:9' is out of range: the model has layers 0..3"},
           {"layer:1", "unknown unit kind 'layer'"},
           {"block", "'block' is not a unit"},
           {"attn:x", "'attn:x' has no valid layer number"},
           {"mlp:3-1", "out of range"}}) {
    UnitMask mask = UnitMask::AllKept(4);
    absl::Status s = mask.ApplyRemovals(spec);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_THAT(s.message(), HasSubstr(expected)) << spec;
  }
}

TEST(UnitMaskTest, ParsesGranularities) {
  EXPECT_EQ(*ParseGranularity("sublayer"), Granularity::kSublayer);
  EXPECT_EQ(GranularityName(Granularity::kAttention), "attention");
  EXPECT_FALSE(ParseGranularity("heads").ok());
}

}  // namespace
}  // namespace depthlab::engine
