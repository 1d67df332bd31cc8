// WorkerRepository: registration, heartbeats, models held, GONE after a timeout.
#include "store/worker_repository.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using ::testing::ElementsAre;
using testing::Must;
using testing::T;

class WorkerRepositoryTest : public testing::StoreTestBase {
 protected:
  WorkerRow Worker(const std::string& id, std::vector<std::string> models) {
    WorkerRow worker;
    worker.id = id;
    worker.name = "gpu-" + id;
    worker.address = "10.0.0.1:7000";
    worker.models = std::move(models);
    return worker;
  }

  WorkerRepository workers_{store()};
};

TEST_P(WorkerRepositoryTest, RegisterStoresTheWorkerAndItsModels) {
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const WorkerRow stored,
                                workers_.Register(Worker("w1", {"m-b", "m-a", "m-b"}), T(5)));
  EXPECT_EQ(stored.id, "w1");
  EXPECT_EQ(stored.name, "gpu-w1");
  EXPECT_EQ(stored.address, "10.0.0.1:7000");
  EXPECT_THAT(stored.models, ElementsAre("m-a", "m-b"));
  EXPECT_EQ(stored.registered_at, T(5));
  EXPECT_EQ(stored.last_heartbeat_at, T(5));
  EXPECT_EQ(stored.state, WorkerState::kActive);

  // Registering again (a restarted worker) replaces what it holds.
  DEPTHLAB_ASSERT_OK(workers_.Register(Worker("w1", {"m-c"}), T(9)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const WorkerRow again, workers_.Get("w1"));
  EXPECT_THAT(again.models, ElementsAre("m-c"));
  EXPECT_EQ(again.registered_at, T(9));
  DEPTHLAB_ASSERT_OK(workers_.SetModels("w1", {"m-d", "m-a"}));
  EXPECT_THAT(Must(workers_.Get("w1")).models, ElementsAre("m-a", "m-d"));

  EXPECT_EQ(workers_.Register(Worker("", {}), T(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(workers_.Get("nobody").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(workers_.SetModels("nobody", {}).code(), absl::StatusCode::kNotFound);
}

TEST_P(WorkerRepositoryTest, SilentWorkersAreMarkedGoneAndComeBackOnHeartbeat) {
  DEPTHLAB_ASSERT_OK(workers_.Register(Worker("w1", {}), T(0)));
  DEPTHLAB_ASSERT_OK(workers_.Register(Worker("w2", {}), T(0)));
  DEPTHLAB_ASSERT_OK(workers_.Register(Worker("w3", {}), T(0)));
  DEPTHLAB_ASSERT_OK(workers_.Heartbeat("w1", T(60)));
  DEPTHLAB_ASSERT_OK(workers_.Heartbeat("w2", T(80)));
  DEPTHLAB_ASSERT_OK(workers_.Heartbeat("w3", T(71)));

  // Timeout 30 s at T(100): last heartbeat at or before T(70) is gone.
  EXPECT_THAT(Must(workers_.MarkGone(absl::Seconds(30), T(100))), ElementsAre("w1"));
  EXPECT_TRUE(Must(workers_.MarkGone(absl::Seconds(30), T(100))).empty());
  std::vector<std::string> active;
  for (const WorkerRow& w : Must(workers_.ListActive())) active.push_back(w.id);
  EXPECT_THAT(active, ElementsAre("w2", "w3"));
  EXPECT_EQ(Must(workers_.Get("w1")).state, WorkerState::kGone);

  DEPTHLAB_ASSERT_OK(workers_.Heartbeat("w1", T(101)));
  EXPECT_EQ(Must(workers_.Get("w1")).state, WorkerState::kActive);
  EXPECT_EQ(Must(workers_.Get("w1")).last_heartbeat_at, T(101));
  EXPECT_EQ(workers_.Heartbeat("nobody", T(101)).code(), absl::StatusCode::kNotFound);
}

DEPTHLAB_STORE_TEST_BACKENDS(WorkerRepositoryTest);

}  // namespace
}  // namespace depthlab::store
