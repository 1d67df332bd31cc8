// JobRepository: enqueue, lease order, heartbeats, completion, failure, retries and expiry.
#include "store/job_repository.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/stage_repository.h"
#include "store/sweep_repository.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Must;
using testing::T;

constexpr absl::Duration kLease = absl::Seconds(60);

std::vector<int64_t> Ids(const std::vector<LeasedJob>& jobs) {
  std::vector<int64_t> ids;
  for (const LeasedJob& job : jobs) ids.push_back(job.job_id);
  return ids;
}

class JobRepositoryTest : public testing::StoreTestBase {
 protected:
  JobFailure Retryable(const std::string& error, absl::Duration backoff) {
    JobFailure failure;
    failure.error = error;
    failure.backoff = backoff;
    return failure;
  }

  JobRepository jobs_{store()};
  SweepRepository sweeps_{store()};
  StageRepository stages_{store()};
};

TEST_P(JobRepositoryTest, EnqueueAddsToStageTotalsAllOrNothing) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  NewJob good;
  good.stage_id = stage;
  good.kind = "profile";
  good.payload = std::string("\0payload", 8);
  NewJob unknown_stage = good;
  unknown_stage.stage_id = 404;
  EXPECT_EQ(jobs_.Enqueue({good, unknown_stage}, T(0)).status().code(),
            absl::StatusCode::kNotFound);
  NewJob no_kind = good;
  no_kind.kind = "";
  EXPECT_EQ(jobs_.Enqueue({good, no_kind}, T(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  NewJob no_attempts = good;
  no_attempts.max_attempts = 0;
  EXPECT_EQ(jobs_.Enqueue({no_attempts}, T(0)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Must(jobs_.Counts()).total(), 0);
  EXPECT_EQ(Must(stages_.Get(stage)).jobs_total, 0);

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<int64_t> ids, jobs_.Enqueue({good, good}, T(1)));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(Must(stages_.Get(stage)).jobs_total, 2);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow job, jobs_.Get(ids[1]));
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.payload, std::string("\0payload", 8));
  EXPECT_EQ(job.attempt, 0);
  EXPECT_EQ(job.max_attempts, 3);
  EXPECT_EQ(job.not_before, T(1));
  EXPECT_FALSE(job.result.has_value());
  EXPECT_EQ(jobs_.Get(999).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(JobRepositoryTest, LeaseOrdersBySweepPriorityThenAffinityThenJobPriorityThenId) {
  const int64_t model = AddModel("m");
  const int64_t low = AddStage(AddSweep(model, /*priority=*/0));
  const int64_t high = AddStage(AddSweep(model, /*priority=*/5));
  const int64_t l1 = AddJobs(low, 1, "model-a")[0];
  const int64_t l2 = AddJobs(low, 1, "model-b")[0];
  const int64_t h1 = AddJobs(high, 1, "model-b")[0];
  const int64_t h2 = AddJobs(high, 1, "model-a")[0];
  const int64_t h3 = AddJobs(high, 1, "model-b", 3, /*priority=*/2)[0];
  const int64_t h4 = AddJobs(high, 1, "model-b")[0];

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> first,
                                jobs_.Lease("w1", {"model-a"}, 4, kLease, T(1)));
  EXPECT_THAT(Ids(first), ElementsAre(h2, h3, h1, h4));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> rest,
                                jobs_.Lease("w2", {"model-b"}, 10, kLease, T(1)));
  EXPECT_THAT(Ids(rest), ElementsAre(l2, l1));
  EXPECT_TRUE(Must(jobs_.Lease("w3", {}, 10, kLease, T(1))).empty());
}

TEST_P(JobRepositoryTest, LeaseMarksTheAttemptAndStartsTheSweep) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(sweep);
  const int64_t id = AddJobs(stage, 2, "model-a")[0];
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> leased,
                                jobs_.Lease("w1", {}, 1, kLease, T(10)));
  ASSERT_EQ(leased.size(), 1u);
  EXPECT_EQ(leased[0].job_id, id);
  EXPECT_EQ(leased[0].attempt, 1);
  EXPECT_EQ(leased[0].sweep_id, sweep);
  EXPECT_EQ(leased[0].stage_id, stage);
  EXPECT_EQ(leased[0].kind, "coalitions");
  EXPECT_EQ(leased[0].payload, "p0");
  EXPECT_EQ(leased[0].model_hash, "model-a");
  EXPECT_EQ(leased[0].lease_expires_at, T(70));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow job, jobs_.Get(id));
  EXPECT_EQ(job.state, JobState::kLeased);
  EXPECT_EQ(job.lease_owner, "w1");
  EXPECT_EQ(job.lease_expires_at, T(70));
  EXPECT_EQ(Must(sweeps_.Get(sweep)).state, RunState::kRunning);
  EXPECT_EQ(Must(stages_.Get(stage)).state, RunState::kRunning);

  EXPECT_EQ(jobs_.Lease("", {}, 1, kLease, T(10)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_.Lease("w1", {}, 0, kLease, T(10)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(jobs_.Lease("w1", {}, 1, absl::ZeroDuration(), T(10)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(JobRepositoryTest, ExpiredLeaseIsRequeuedAndLeasedAgainAsTheNextAttempt) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const int64_t id = AddJobs(stage, 1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);

  EXPECT_TRUE(Must(jobs_.ExpireLeases(T(59))).empty());
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<ExpiredLease> expired, jobs_.ExpireLeases(T(60)));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].job_id, id);
  EXPECT_EQ(expired[0].attempt, 1);
  EXPECT_EQ(expired[0].worker_id, "w1");
  EXPECT_EQ(expired[0].state, JobState::kQueued);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow queued, jobs_.Get(id));
  EXPECT_EQ(queued.state, JobState::kQueued);
  EXPECT_THAT(queued.error, HasSubstr("lease of attempt 1 of 3 expired on worker w1"));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> again,
                                jobs_.Lease("w2", {}, 1, kLease, T(61)));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
  // The first worker's late report is refused and stores nothing.
  const absl::StatusOr<CompleteResult> late = jobs_.Complete(id, 1, "w1", "stale", T(62));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(late.status().message()),
              HasSubstr("job " + std::to_string(id) + " attempt 1"));
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("the job is on attempt 2"));
  EXPECT_FALSE(Must(jobs_.Get(id)).result.has_value());
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CompleteResult done,
                                jobs_.Complete(id, 2, "w2", "fresh", T(63)));
  EXPECT_EQ(done.stage_jobs_done, 1);
  EXPECT_EQ(Must(jobs_.Get(id)).result, "fresh");
}

TEST_P(JobRepositoryTest, CompleteAfterTheLeaseExpiredIsAbortedBeforeAnyExpirySweep) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const int64_t id = AddJobs(stage, 1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  const absl::StatusOr<CompleteResult> result = jobs_.Complete(id, 1, "w1", "r", T(60));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("lease expired"));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow job, jobs_.Get(id));
  EXPECT_EQ(job.state, JobState::kLeased);
  EXPECT_FALSE(job.result.has_value());
  EXPECT_EQ(Must(stages_.Get(stage)).jobs_done, 0);
}

TEST_P(JobRepositoryTest, RepeatedCompleteIsOkAndCountedOnce) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const int64_t id = AddJobs(stage, 2)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CompleteResult first,
                                jobs_.Complete(id, 1, "w1", "r1", T(1)));
  EXPECT_FALSE(first.already_completed);
  EXPECT_EQ(first.stage_id, stage);
  EXPECT_EQ(first.stage_jobs_done, 1);
  EXPECT_EQ(first.stage_jobs_total, 2);
  // A retried report, even after the lease would have expired, changes nothing.
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CompleteResult second,
                                jobs_.Complete(id, 1, "w1", "r2", T(500)));
  EXPECT_TRUE(second.already_completed);
  EXPECT_EQ(second.stage_jobs_done, 1);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow job, jobs_.Get(id));
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.result, "r1");
  EXPECT_FALSE(job.lease_expires_at.has_value());
  EXPECT_EQ(Must(stages_.Get(stage)).jobs_done, 1);
}

TEST_P(JobRepositoryTest, CompleteRefusesOtherWorkersAndUnknownJobs) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const int64_t id = AddJobs(stage, 1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  const absl::StatusOr<CompleteResult> other = jobs_.Complete(id, 1, "w2", "r", T(1));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("leased to worker w1"));
  EXPECT_EQ(jobs_.Complete(id, 7, "w1", "r", T(1)).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(jobs_.Complete(999, 1, "w1", "r", T(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Must(jobs_.Get(id)).state, JobState::kLeased);
}

TEST_P(JobRepositoryTest, RetryableFailureRequeuesAfterTheBackoff) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const int64_t id = AddJobs(stage, 1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(
      const FailResult failed,
      jobs_.Fail(id, 1, "w1", Retryable("CUDA out of memory", absl::Seconds(30)), T(10)));
  EXPECT_EQ(failed.state, JobState::kQueued);
  EXPECT_FALSE(failed.sweep_failed);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobRow job, jobs_.Get(id));
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.error, "CUDA out of memory");
  EXPECT_EQ(job.not_before, T(40));

  EXPECT_TRUE(Must(jobs_.Lease("w1", {}, 1, kLease, T(39))).empty());
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<LeasedJob> retry,
                                jobs_.Lease("w2", {}, 1, kLease, T(40)));
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].attempt, 2);
  // The report of the failed attempt cannot be repeated: it no longer holds a lease.
  EXPECT_EQ(
      jobs_.Fail(id, 1, "w1", Retryable("again", absl::ZeroDuration()), T(41)).status().code(),
      absl::StatusCode::kAborted);
}

TEST_P(JobRepositoryTest, FailureOnTheLastAttemptFailsTheJobAndItsSweep) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(sweep);
  const int64_t next_stage = AddStage(sweep, 1);
  const int64_t id = AddJobs(stage, 1, "", /*max_attempts=*/2)[0];
  const int64_t other = AddJobs(stage, 1)[0];
  AddJobs(next_stage, 1);

  ASSERT_THAT(Ids(Must(jobs_.Lease("w1", {}, 1, kLease, T(0)))), ElementsAre(id));
  DEPTHLAB_ASSERT_OK(jobs_.Fail(id, 1, "w1", Retryable("boom", absl::ZeroDuration()), T(1)));
  ASSERT_THAT(Ids(Must(jobs_.Lease("w1", {}, 1, kLease, T(2)))), ElementsAre(id));
  ASSERT_THAT(Ids(Must(jobs_.Lease("w2", {}, 1, kLease, T(2)))), ElementsAre(other));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(
      const FailResult failed,
      jobs_.Fail(id, 2, "w1", Retryable("boom", absl::ZeroDuration()), T(3)));
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_TRUE(failed.sweep_failed);
  EXPECT_EQ(failed.sweep_jobs_cancelled.jobs_cancelled, 2);
  ASSERT_EQ(failed.sweep_jobs_cancelled.revoked.size(), 1u);
  EXPECT_EQ(failed.sweep_jobs_cancelled.revoked[0].job_id, other);
  EXPECT_EQ(failed.sweep_jobs_cancelled.revoked[0].worker_id, "w2");

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow row, sweeps_.Get(sweep));
  EXPECT_EQ(row.state, RunState::kFailed);
  EXPECT_EQ(row.error, "job " + std::to_string(id) +
                           " (coalitions) failed on attempt 2 of 2 on worker w1: boom");
  EXPECT_EQ(row.finished_at, T(3));
  EXPECT_EQ(Must(jobs_.Get(id)).state, JobState::kFailed);
  EXPECT_EQ(Must(stages_.Get(stage)).state, RunState::kFailed);
  EXPECT_EQ(Must(stages_.Get(next_stage)).state, RunState::kCancelled);
  const JobCounts counts = Must(jobs_.CountsBySweep(sweep));
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.cancelled, 2);
}

TEST_P(JobRepositoryTest, NonRetryableFailureFailsAtOnce) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t id = AddJobs(AddStage(sweep), 1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  JobFailure failure;
  failure.error = "model.path: no config.json";
  failure.retryable = false;
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const FailResult failed, jobs_.Fail(id, 1, "w1", failure, T(1)));
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_THAT(Must(sweeps_.Get(sweep)).error, HasSubstr("non-retryable error on worker w1"));
}

TEST_P(JobRepositoryTest, ExpiryOfTheLastAttemptFailsTheSweep) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t id = AddJobs(AddStage(sweep), 1, "", /*max_attempts=*/1)[0];
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 1, kLease, T(0))).size(), 1u);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<ExpiredLease> expired,
                                jobs_.ExpireLeases(T(100)));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].state, JobState::kFailed);
  EXPECT_EQ(Must(jobs_.Get(id)).state, JobState::kFailed);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow row, sweeps_.Get(sweep));
  EXPECT_EQ(row.state, RunState::kFailed);
  EXPECT_THAT(row.error, HasSubstr("lease of attempt 1 of 1 expired on worker w1"));
}

TEST_P(JobRepositoryTest, HeartbeatExtendsHeldLeasesAndReportsLostOnes) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const std::vector<int64_t> ids = AddJobs(stage, 3);
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 2, kLease, T(0))).size(), 2u);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(
      const HeartbeatResult beat,
      jobs_.Heartbeat("w1", {{ids[0], 1}, {ids[1], 1}, {ids[2], 1}, {999, 1}, {ids[0], 2}}, kLease,
                      T(30)));
  EXPECT_THAT(beat.extended, ElementsAre(JobAttempt{ids[0], 1}, JobAttempt{ids[1], 1}));
  EXPECT_THAT(beat.lost,
              ElementsAre(JobAttempt{ids[2], 1}, JobAttempt{999, 1}, JobAttempt{ids[0], 2}));
  EXPECT_TRUE(beat.cancelled.empty());
  EXPECT_EQ(beat.lease_expires_at, T(90));
  EXPECT_EQ(Must(jobs_.Get(ids[0])).lease_expires_at, T(90));
  // Past the original expiry, the extended lease still accepts the result.
  DEPTHLAB_ASSERT_OK(jobs_.Complete(ids[0], 1, "w1", "r", T(80)));
  // Another worker cannot extend it; an expired lease cannot be revived.
  EXPECT_THAT(Must(jobs_.Heartbeat("w2", {{ids[1], 1}}, kLease, T(81))).lost,
              ElementsAre(JobAttempt{ids[1], 1}));
  EXPECT_THAT(Must(jobs_.Heartbeat("w1", {{ids[1], 1}}, kLease, T(90))).lost,
              ElementsAre(JobAttempt{ids[1], 1}));
}

TEST_P(JobRepositoryTest, ListsAndCountsForAggregationAndMetrics) {
  const int64_t sweep = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(sweep);
  const std::vector<int64_t> ids = AddJobs(stage, 3);
  const int64_t elsewhere = AddStage(AddSweep(AddModel("m")));
  AddJobs(elsewhere, 2);
  ASSERT_EQ(Must(jobs_.Lease("w1", {}, 2, kLease, T(0))).size(), 2u);
  DEPTHLAB_ASSERT_OK(jobs_.Complete(ids[1], 1, "w1", "sums", T(1)));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const std::vector<JobRow> done,
                                jobs_.ListByStage(stage, JobState::kSucceeded));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, ids[1]);
  EXPECT_EQ(done[0].result, "sums");
  EXPECT_EQ(Must(jobs_.ListByStage(stage)).size(), 3u);

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobCounts all, jobs_.Counts());
  EXPECT_EQ(all.queued, 3);
  EXPECT_EQ(all.leased, 1);
  EXPECT_EQ(all.succeeded, 1);
  EXPECT_EQ(all.total(), 5);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const JobCounts mine, jobs_.CountsBySweep(sweep));
  EXPECT_EQ(mine.queued, 1);
  EXPECT_EQ(mine.total(), 3);
}

DEPTHLAB_STORE_TEST_BACKENDS(JobRepositoryTest);

}  // namespace
}  // namespace depthlab::store
