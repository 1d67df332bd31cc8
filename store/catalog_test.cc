// ModelRepository, DatasetRepository and CheckpointRepository: content-addressed upserts and
// checkpoint recipes.
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "store/checkpoint_repository.h"
#include "store/dataset_repository.h"
#include "store/model_repository.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using testing::Must;
using testing::T;

class CatalogTest : public testing::StoreTestBase {};

TEST_P(CatalogTest, ModelUpsertIsKeyedByContentHash) {
  ModelRepository models(store());
  ModelRow model;
  model.content_hash = "abc";
  model.path = "/models/old";
  model.model_type = "llama";
  model.num_layers = 22;
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const ModelRow first, models.Upsert(model, T(1)));
  model.path = "/models/new";
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const ModelRow moved, models.Upsert(model, T(2)));
  EXPECT_EQ(moved.id, first.id);
  EXPECT_EQ(moved.path, "/models/new");
  EXPECT_EQ(moved.created_at, T(1));
  EXPECT_EQ(Must(models.Get(first.id)).content_hash, "abc");
  EXPECT_EQ(Must(models.GetByHash("abc")).num_layers, 22);

  model.num_layers = 32;
  EXPECT_EQ(models.Upsert(model, T(3)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Must(models.GetByHash("abc")).path, "/models/new");  // the bad upsert rolled back
  model.content_hash = "";
  EXPECT_EQ(models.Upsert(model, T(3)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(models.Get(999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(models.GetByHash("zzz").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(CatalogTest, DatasetUpsertIsKeyedByContentHash) {
  DatasetRepository datasets(store());
  DatasetRow dataset;
  dataset.content_hash = "d1";
  dataset.kind = "mmlu";
  dataset.path = "/data/mmlu";
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const DatasetRow first, datasets.Upsert(dataset, T(1)));
  EXPECT_EQ(Must(datasets.Upsert(dataset, T(2))).id, first.id);
  EXPECT_EQ(Must(datasets.Get(first.id)).kind, "mmlu");
  EXPECT_EQ(Must(datasets.GetByHash("d1")).path, "/data/mmlu");
  dataset.kind = "arc";
  EXPECT_EQ(datasets.Upsert(dataset, T(3)).status().code(), absl::StatusCode::kInvalidArgument);
  dataset.kind = "";
  EXPECT_EQ(datasets.Upsert(dataset, T(3)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(datasets.GetByHash("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(CatalogTest, CheckpointRecipesRoundTrip) {
  CheckpointRepository checkpoints(store());
  CheckpointRow recipe;
  recipe.sweep_id = AddSweep(AddModel("base"));
  recipe.base_model_hash = "base";
  recipe.granularity = "block";
  recipe.removed_units = "block[3],block[5]";
  recipe.recovery = "mean";
  recipe.tensors = std::string("\0\xff tensors", 10);
  recipe.sha256 = "e3b0c442";
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const int64_t id, checkpoints.Put(recipe, T(4)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CheckpointRow row, checkpoints.Get(id));
  EXPECT_EQ(row.sweep_id, recipe.sweep_id);
  EXPECT_EQ(row.base_model_hash, "base");
  EXPECT_EQ(row.granularity, "block");
  EXPECT_EQ(row.removed_units, "block[3],block[5]");
  EXPECT_EQ(row.recovery, "mean");
  EXPECT_EQ(row.tensors, std::string("\0\xff tensors", 10));
  EXPECT_EQ(row.sha256, "e3b0c442");
  EXPECT_EQ(row.created_at, T(4));

  recipe.sweep_id = 999;
  EXPECT_EQ(checkpoints.Put(recipe, T(5)).status().code(), absl::StatusCode::kInvalidArgument);
  recipe.sweep_id.reset();
  DEPTHLAB_ASSERT_OK(checkpoints.Put(recipe, T(5)));
  EXPECT_EQ(checkpoints.Get(12345).status().code(), absl::StatusCode::kNotFound);
}

DEPTHLAB_STORE_TEST_BACKENDS(CatalogTest);

}  // namespace
}  // namespace depthlab::store
