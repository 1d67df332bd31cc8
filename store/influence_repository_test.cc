// InfluenceRepository: replacing a metric's scores, reading them back in rank order.
#include "store/influence_repository.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using testing::Must;

class InfluenceRepositoryTest : public testing::StoreTestBase {
 protected:
  InfluenceRow Row(const std::string& unit, double value, int rank) {
    InfluenceRow row;
    row.unit = unit;
    row.value = value;
    row.rank = rank;
    row.evaluations = 64;
    return row;
  }

  std::vector<std::string> Units(int64_t sweep, const std::string& metric = "") {
    std::vector<std::string> units;
    for (const InfluenceRow& row : Must(influence_.Get(sweep, metric))) {
      units.push_back(row.metric + ":" + row.unit);
    }
    return units;
  }

  InfluenceRepository influence_{store()};
};

TEST_P(InfluenceRepositoryTest, RoundTripsInRankOrder) {
  const int64_t sweep = AddSweep(AddModel("m"));
  InfluenceRow shapley = Row("mlp[1]", 0.25, 2);
  shapley.std_error = 0.01;
  shapley.rank_lo = 1;
  shapley.rank_hi = 3;
  DEPTHLAB_ASSERT_OK(influence_.Replace(sweep, "shapley", {shapley, Row("attn[0]", 0.5, 1)}));
  DEPTHLAB_ASSERT_OK(influence_.Replace(sweep, "cosine", {Row("attn[0]", 0.9, 1)}));

  EXPECT_EQ(Units(sweep),
            (std::vector<std::string>{"cosine:attn[0]", "shapley:attn[0]", "shapley:mlp[1]"}));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<InfluenceRow> rows,
                                influence_.Get(sweep, "shapley"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].sweep_id, sweep);
  EXPECT_EQ(rows[0].unit, "attn[0]");
  EXPECT_DOUBLE_EQ(rows[0].value, 0.5);
  EXPECT_FALSE(rows[0].std_error.has_value());
  EXPECT_FALSE(rows[0].rank_lo.has_value());
  EXPECT_EQ(rows[1].unit, "mlp[1]");
  EXPECT_EQ(rows[1].std_error, 0.01);
  EXPECT_EQ(rows[1].evaluations, 64);
  EXPECT_EQ(rows[1].rank, 2);
  EXPECT_EQ(rows[1].rank_lo, 1);
  EXPECT_EQ(rows[1].rank_hi, 3);
}

TEST_P(InfluenceRepositoryTest, ReplaceSwapsOneMetricAtomically) {
  const int64_t sweep = AddSweep(AddModel("m"));
  DEPTHLAB_ASSERT_OK(
      influence_.Replace(sweep, "shapley", {Row("a", 1, 1), Row("b", 2, 2), Row("c", 3, 3)}));
  DEPTHLAB_ASSERT_OK(influence_.Replace(sweep, "cosine", {Row("a", 1, 1)}));
  DEPTHLAB_ASSERT_OK(influence_.Replace(sweep, "shapley", {Row("c", 3, 1), Row("b", 2, 2)}));
  EXPECT_EQ(Units(sweep, "shapley"), (std::vector<std::string>{"shapley:c", "shapley:b"}));
  EXPECT_EQ(Units(sweep, "cosine"), (std::vector<std::string>{"cosine:a"}));

  // A bad batch changes nothing.
  EXPECT_EQ(influence_.Replace(sweep, "shapley", {Row("x", 1, 1), Row("x", 1, 2)}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(influence_.Replace(sweep, "shapley", {Row("", 1, 1)}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Units(sweep, "shapley"), (std::vector<std::string>{"shapley:c", "shapley:b"}));
  EXPECT_EQ(influence_.Replace(sweep, "", {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(influence_.Replace(999, "shapley", {}).code(), absl::StatusCode::kNotFound);
}

DEPTHLAB_STORE_TEST_BACKENDS(InfluenceRepositoryTest);

}  // namespace
}  // namespace depthlab::store
