// CurveRepository: upserting points, reading a sweep's curves, all points with their model, and
// the cross-sweep comparison order.
#include "store/curve_repository.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using ::testing::ElementsAre;
using testing::Must;

CurvePoint Point(int64_t sweep, const std::string& metric, int k, double accuracy,
                 const std::string& task = "mmlu") {
  CurvePoint p;
  p.sweep_id = sweep;
  p.metric = metric;
  p.granularity = "block";
  p.recovery = "none";
  p.k = k;
  p.removed_units = k == 0 ? "" : absl::StrCat("block[", k, "]");
  p.task = task;
  p.accuracy = accuracy;
  p.n = 100;
  p.std_error = 0.05;
  return p;
}

// "sweep/metric/k" for each row.
std::vector<std::string> Keys(const std::vector<ModelCurvePoint>& rows) {
  std::vector<std::string> keys;
  for (const ModelCurvePoint& r : rows) {
    keys.push_back(absl::StrCat(r.model_hash, "/", r.point.metric, "/", r.point.k));
  }
  return keys;
}

class CurveRepositoryTest : public testing::StoreTestBase {
 protected:
  CurveRepository curves_{store()};
};

TEST_P(CurveRepositoryTest, RoundTripsAndReplacesByKey) {
  const int64_t sweep = AddSweep(AddModel("m"));
  CurvePoint with_extras = Point(sweep, "shapley", 1, 0.4);
  with_extras.perplexity = 12.5;
  with_extras.extra = R"({"acc_norm":0.41})";
  DEPTHLAB_ASSERT_OK(curves_.Upsert({Point(sweep, "shapley", 0, 0.5), with_extras}));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(std::vector<CurvePoint> points, curves_.GetBySweep(sweep));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].k, 0);
  EXPECT_FALSE(points[0].perplexity.has_value());
  EXPECT_EQ(points[0].extra, "{}");
  EXPECT_EQ(points[1].removed_units, "block[1]");
  EXPECT_DOUBLE_EQ(points[1].accuracy, 0.4);
  EXPECT_EQ(points[1].n, 100);
  EXPECT_DOUBLE_EQ(points[1].std_error, 0.05);
  EXPECT_EQ(points[1].perplexity, 12.5);
  EXPECT_EQ(points[1].extra, R"({"acc_norm":0.41})");

  DEPTHLAB_ASSERT_OK(curves_.Upsert({Point(sweep, "shapley", 1, 0.45)}));
  points = Must(curves_.GetBySweep(sweep));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[1].accuracy, 0.45);
  EXPECT_FALSE(points[1].perplexity.has_value());
}

TEST_P(CurveRepositoryTest, RejectsBadPointsWithoutWritingAny) {
  const int64_t sweep = AddSweep(AddModel("m"));
  CurvePoint nan = Point(sweep, "cosine", 1, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(curves_.Upsert({Point(sweep, "cosine", 0, 0.5), nan}).code(),
            absl::StatusCode::kInvalidArgument);
  CurvePoint not_json = Point(sweep, "cosine", 1, 0.4);
  not_json.extra = "acc_norm=0.4";
  EXPECT_EQ(curves_.Upsert({Point(sweep, "cosine", 0, 0.5), not_json}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(curves_.Upsert({Point(sweep, "cosine", -1, 0.5)}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(curves_.Upsert({Point(sweep, "cosine", 0, 0.5), Point(999, "cosine", 0, 0.5)}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Must(curves_.GetBySweep(sweep)).empty());
}

TEST_P(CurveRepositoryTest, AllPointsCarryTheirModel) {
  const int64_t a = AddSweep(AddModel("hash-a", "/models/a"), 0, "sweep-a");
  DEPTHLAB_ASSERT_OK(curves_.Upsert({Point(a, "cosine", 0, 0.5)}));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<ModelCurvePoint> all, curves_.AllPoints());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].sweep_name, "sweep-a");
  EXPECT_EQ(all[0].model_hash, "hash-a");
  EXPECT_EQ(all[0].model_path, "/models/a");
  EXPECT_EQ(all[0].point.metric, "cosine");
}

TEST_P(CurveRepositoryTest, CompareOrdersRowsForSideBySideDisplay) {
  const int64_t a = AddSweep(AddModel("hash-a"));
  const int64_t b = AddSweep(AddModel("hash-b"));
  for (int k = 0; k < 2; ++k) {
    DEPTHLAB_ASSERT_OK(curves_.Upsert({Point(b, "shapley", k, 0.6), Point(b, "cosine", k, 0.5),
                                       Point(a, "shapley", k, 0.4), Point(a, "cosine", k, 0.3),
                                       Point(a, "cosine", k, 0.7, "arc_easy")}));
  }
  CurveFilter mmlu;
  mmlu.task = "mmlu";
  EXPECT_THAT(
      Keys(Must(curves_.Compare(mmlu))),
      ElementsAre("hash-a/cosine/0", "hash-a/shapley/0", "hash-b/cosine/0", "hash-b/shapley/0",
                  "hash-a/cosine/1", "hash-a/shapley/1", "hash-b/cosine/1", "hash-b/shapley/1"));

  CurveFilter narrow;
  narrow.task = "mmlu";
  narrow.model_hashes = {"hash-b"};
  narrow.metrics = {"shapley"};
  EXPECT_THAT(Keys(Must(curves_.Compare(narrow))),
              ElementsAre("hash-b/shapley/0", "hash-b/shapley/1"));

  CurveFilter by_sweep;
  by_sweep.sweep_ids = {a};
  by_sweep.metrics = {"cosine"};
  const std::vector<ModelCurvePoint> rows = Must(curves_.Compare(by_sweep));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].point.task, "arc_easy");  // tasks sort first
  EXPECT_EQ(rows[2].point.task, "mmlu");
  EXPECT_DOUBLE_EQ(rows[2].point.accuracy, 0.3);
}

DEPTHLAB_STORE_TEST_BACKENDS(CurveRepositoryTest);

}  // namespace
}  // namespace depthlab::store
