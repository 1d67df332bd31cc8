// Test-only: a GoogleTest fixture parameterized over the two ways a Store runs (SQLite in memory
// and in a file), with helpers that build the rows most tests need. Not thread-safe.
//
//   class JobTest : public StoreTestBase {};
//   TEST_P(JobTest, Leases) { int64_t stage = AddStage(AddSweep(AddModel("m"))); ... }
//   DEPTHLAB_STORE_TEST_BACKENDS(JobTest);
#ifndef DEPTHLAB_STORE_TESTING_STORE_TEST_BASE_H_
#define DEPTHLAB_STORE_TESTING_STORE_TEST_BASE_H_

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "store/job_repository.h"
#include "store/model_repository.h"
#include "store/stage_repository.h"
#include "store/store.h"
#include "store/sweep_repository.h"

// ASSERT that a status (or StatusOr) is OK, printing it otherwise.
#define DEPTHLAB_ASSERT_OK(expr)                                                       \
  do {                                                                                 \
    const auto& depthlab_assert_ok_ = (expr);                                          \
    ASSERT_TRUE(depthlab_assert_ok_.ok())                                              \
        << #expr << ": " << ::depthlab::store::testing::StatusOf(depthlab_assert_ok_); \
  } while (0)

// ASSERT that `rexpr` (a StatusOr) is OK and move its value into `lhs`.
#define DEPTHLAB_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  DEPTHLAB_ASSERT_OK_AND_ASSIGN_IMPL_(DEPTHLAB_STATUS_CONCAT_(depthlab_or_, __LINE__), lhs, rexpr)
#define DEPTHLAB_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                        \
  ASSERT_TRUE(tmp.ok()) << tmp.status();                     \
  lhs = std::move(tmp).value()

namespace depthlab::store::testing {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& value) {
  return value.status();
}

enum class Backend { kMemory, kDisk };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Disk";
}

// The value of a StatusOr that a test's setup needs; aborts with the status otherwise (setup
// helpers cannot ASSERT from a function that returns a value).
template <typename T>
T Must(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::cerr << "test setup failed: " << value.status() << std::endl;
    std::abort();
  }
  return std::move(value).value();
}

// A fixed, readable clock: T(0) is 2023-11-14 22:13:20 UTC, T(s) is s seconds later.
inline absl::Time T(int64_t seconds) { return absl::FromUnixSeconds(1700000000 + seconds); }

// Opens the store in its constructor, so fixtures may hold repositories as members.
class StoreTestBase : public ::testing::TestWithParam<Backend> {
 protected:
  StoreTestBase() : store_(OpenStore()) {}

  std::unique_ptr<Store> OpenStore() {
    StoreOptions options;
    options.path = GetParam() == Backend::kMemory ? ":memory:" : dir_.Sub("store.db");
    return Must(Store::Open(options));
  }

  Store& store() { return *store_; }

  int64_t AddModel(const std::string& hash, const std::string& path = "/models/tiny") {
    ModelRow model;
    model.content_hash = hash;
    model.path = path;
    model.model_type = "llama";
    model.num_layers = 4;
    return Must(ModelRepository(store()).Upsert(model, T(0))).id;
  }

  int64_t AddSweep(int64_t model_id, int priority = 0, const std::string& name = "sweep") {
    NewSweep sweep;
    sweep.name = name;
    sweep.model_id = model_id;
    sweep.spec = "spec-bytes";
    sweep.priority = priority;
    return Must(SweepRepository(store()).Create(sweep, T(0))).sweep.id;
  }

  int64_t AddStage(int64_t sweep_id, int ordinal = 0, const std::string& kind = "shapley") {
    NewStage stage;
    stage.ordinal = ordinal;
    stage.kind = kind;
    return Must(StageRepository(store()).Add(sweep_id, {stage}, T(0))).front();
  }

  // `count` jobs in the stage on `model_hash`, payloads "p0", "p1", ...
  std::vector<int64_t> AddJobs(int64_t stage_id, int count, const std::string& model_hash = "",
                               int max_attempts = 3, int priority = 0) {
    std::vector<NewJob> jobs;
    for (int i = 0; i < count; ++i) {
      NewJob job;
      job.stage_id = stage_id;
      job.kind = "coalitions";
      job.payload = "p" + std::to_string(i);
      job.model_hash = model_hash;
      job.max_attempts = max_attempts;
      job.priority = priority;
      jobs.push_back(job);
    }
    return Must(JobRepository(store()).Enqueue(jobs, T(0)));
  }

  depthlab::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace depthlab::store::testing

#define DEPTHLAB_STORE_TEST_BACKENDS(Suite)                                                \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                \
                           ::testing::Values(::depthlab::store::testing::Backend::kMemory, \
                                             ::depthlab::store::testing::Backend::kDisk),  \
                           ::depthlab::store::testing::BackendName)

#endif  // DEPTHLAB_STORE_TESTING_STORE_TEST_BASE_H_
