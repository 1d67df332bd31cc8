// EvaluationCache: first writer wins; lookups one at a time and in bulk.
#include "store/evaluation_cache.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using testing::Must;
using testing::T;

class EvaluationCacheTest : public testing::StoreTestBase {
 protected:
  EvaluationRow Row(const std::string& key, const std::string& result) {
    EvaluationRow row;
    row.key = key;
    row.model_hash = "model";
    row.dataset_hash = "calib";
    row.shard = 3;
    row.mask = "1011";
    row.replacement_hash = "none";
    row.value_kind = "loss_sum";
    row.code_version = "v1";
    row.result = result;
    return row;
  }

  EvaluationCache cache_{store()};
};

TEST_P(EvaluationCacheTest, FirstWriterWins) {
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const PutEvaluationResult first,
                                cache_.Put(Row("k1", std::string("\0\1sum", 5)), T(1)));
  EXPECT_TRUE(first.inserted);
  EXPECT_EQ(first.stored.result, std::string("\0\1sum", 5));
  EXPECT_EQ(first.stored.created_at, T(1));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const PutEvaluationResult second,
                                cache_.Put(Row("k1", "different"), T(2)));
  EXPECT_FALSE(second.inserted);
  EXPECT_EQ(second.stored.result, std::string("\0\1sum", 5));
  EXPECT_EQ(second.stored.created_at, T(1));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::optional<EvaluationRow> got, cache_.Get("k1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->model_hash, "model");
  EXPECT_EQ(got->dataset_hash, "calib");
  EXPECT_EQ(got->shard, 3);
  EXPECT_EQ(got->mask, "1011");
  EXPECT_EQ(got->replacement_hash, "none");
  EXPECT_EQ(got->value_kind, "loss_sum");
  EXPECT_EQ(got->code_version, "v1");
  EXPECT_EQ(got->result, std::string("\0\1sum", 5));
}

TEST_P(EvaluationCacheTest, GetManyReturnsCachedKeysInRequestOrder) {
  DEPTHLAB_ASSERT_OK(cache_.Put(Row("k1", "one"), T(0)));
  DEPTHLAB_ASSERT_OK(cache_.Put(Row("k2", "two"), T(0)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<EvaluationRow> rows,
                                cache_.GetMany({"k2", "missing", "k1"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key, "k2");
  EXPECT_EQ(rows[0].result, "two");
  EXPECT_EQ(rows[1].key, "k1");
  EXPECT_FALSE(Must(cache_.Get("missing")).has_value());
  EXPECT_TRUE(Must(cache_.GetMany({})).empty());
  EXPECT_EQ(cache_.Put(Row("", "x"), T(0)).status().code(), absl::StatusCode::kInvalidArgument);
}

DEPTHLAB_STORE_TEST_BACKENDS(EvaluationCacheTest);

}  // namespace
}  // namespace depthlab::store
