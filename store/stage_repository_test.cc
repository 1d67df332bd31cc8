// StageRepository: adding stages, progress counts, ending a stage early.
#include "store/stage_repository.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "store/job_repository.h"
#include "store/sweep_repository.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using testing::Must;
using testing::T;

class StageRepositoryTest : public testing::StoreTestBase {
 protected:
  StageRepository stages_{store()};
  JobRepository jobs_{store()};
};

TEST_P(StageRepositoryTest, AddListsStagesByOrdinal) {
  const int64_t sweep = AddSweep(AddModel("m"));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(
      const std::vector<int64_t> ids,
      stages_.Add(sweep, {{1, "shapley", "estimator-state"}, {0, "profile", ""}}, T(3)));
  ASSERT_EQ(ids.size(), 2u);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<StageRow> rows, stages_.ListBySweep(sweep));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, ids[1]);
  EXPECT_EQ(rows[0].kind, "profile");
  EXPECT_EQ(rows[1].id, ids[0]);
  EXPECT_EQ(rows[1].ordinal, 1);
  EXPECT_EQ(rows[1].detail, "estimator-state");
  EXPECT_EQ(rows[1].state, RunState::kPending);
  EXPECT_EQ(rows[1].jobs_total, 0);
  EXPECT_EQ(rows[1].created_at, T(3));
}

TEST_P(StageRepositoryTest, AddRejectsRepeatedOrdinalsAndEndedOrUnknownSweeps) {
  const int64_t sweep = AddSweep(AddModel("m"));
  AddStage(sweep, 0);
  const absl::StatusOr<std::vector<int64_t>> repeated =
      stages_.Add(sweep, {{0, "curve", ""}}, T(1));
  EXPECT_EQ(repeated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(repeated.status().message(), "stages.sweep_id, stages.ordinal"))
      << repeated.status();
  EXPECT_EQ(stages_.Add(999, {{0, "curve", ""}}, T(1)).status().code(),
            absl::StatusCode::kNotFound);
  DEPTHLAB_ASSERT_OK(SweepRepository(store()).Cancel(sweep, T(1)));
  EXPECT_EQ(stages_.Add(sweep, {{1, "curve", ""}}, T(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StageRepositoryTest, ProgressCountsJobsByState) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t profile = AddStage(sweep, 0, "profile");
  const int64_t shapley = AddStage(sweep, 1, "shapley");
  AddJobs(profile, 4);
  AddJobs(shapley, 1);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> leased,
                                jobs_.Lease("w", {}, 2, absl::Minutes(1), T(1)));
  ASSERT_EQ(leased.size(), 2u);
  DEPTHLAB_ASSERT_OK(jobs_.Complete(leased[0].job_id, 1, "w", "r", T(2)));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<StageProgress> progress, stages_.Progress(sweep));
  ASSERT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress[0].stage.id, profile);
  EXPECT_EQ(progress[0].stage.state, RunState::kRunning);
  EXPECT_EQ(progress[0].stage.jobs_total, 4);
  EXPECT_EQ(progress[0].stage.jobs_done, 1);
  EXPECT_EQ(progress[0].jobs.queued, 2);
  EXPECT_EQ(progress[0].jobs.leased, 1);
  EXPECT_EQ(progress[0].jobs.succeeded, 1);
  EXPECT_EQ(progress[1].stage.state, RunState::kPending);
  EXPECT_EQ(progress[1].jobs.queued, 1);
  EXPECT_EQ(progress[1].jobs.total(), 1);
}

TEST_P(StageRepositoryTest, MarkDoneCancelsTheStagesOutstandingJobs) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(sweep, 0);
  const int64_t next = AddStage(sweep, 1);
  const std::vector<int64_t> ids = AddJobs(stage, 3);
  AddJobs(next, 1);
  ASSERT_EQ(Must(jobs_.Lease("w", {}, 1, absl::Minutes(1), T(1))).size(), 1u);

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CancelledJobs cancelled, stages_.MarkDone(stage, T(2)));
  EXPECT_EQ(cancelled.jobs_cancelled, 3);
  ASSERT_EQ(cancelled.revoked.size(), 1u);
  EXPECT_EQ(cancelled.revoked[0].job_id, ids[0]);
  EXPECT_EQ(Must(stages_.Get(stage)).state, RunState::kSucceeded);
  // The other stage and the sweep go on.
  EXPECT_EQ(Must(jobs_.CountsBySweep(sweep)).queued, 1);
  EXPECT_EQ(Must(SweepRepository(store()).Get(sweep)).state, RunState::kRunning);
  // A finished stage stays finished and takes no more jobs.
  EXPECT_EQ(stages_.SetState(stage, RunState::kRunning, T(3)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  NewJob job;
  job.stage_id = stage;
  job.kind = "coalitions";
  EXPECT_EQ(jobs_.Enqueue({job}, T(3)).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(StageRepositoryTest, SetDetailReplacesTheBytes) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  DEPTHLAB_ASSERT_OK(stages_.SetDetail(stage, std::string("\0\1state", 7), T(4)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const StageRow row, stages_.Get(stage));
  EXPECT_EQ(row.detail, std::string("\0\1state", 7));
  EXPECT_EQ(row.updated_at, T(4));
  EXPECT_EQ(stages_.SetDetail(999, "x", T(4)).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(stages_.Get(999).status().code(), absl::StatusCode::kNotFound);
}

DEPTHLAB_STORE_TEST_BACKENDS(StageRepositoryTest);

}  // namespace
}  // namespace depthlab::store
