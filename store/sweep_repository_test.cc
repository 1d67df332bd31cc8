// SweepRepository: idempotent submission, atomic submit-with-plan, paging, state changes, cancel.
#include "store/sweep_repository.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/job_repository.h"
#include "store/stage_repository.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using ::testing::ElementsAre;
using testing::Must;
using testing::T;

class SweepRepositoryTest : public testing::StoreTestBase {
 protected:
  NewSweep Submission(const std::string& request_id, int64_t model_id) {
    NewSweep sweep;
    sweep.request_id = request_id;
    sweep.name = "first";
    sweep.model_id = model_id;
    sweep.spec = std::string("spec\0bytes", 10);
    sweep.priority = 3;
    sweep.labels = {{"owner", "ana"}, {"purpose", "baseline"}};
    return sweep;
  }

  // The ids of every sweep matching `filter`, read `page_size` at a time; also the page sizes.
  std::vector<int64_t> ReadAllPages(const SweepFilter& filter, int page_size,
                                    std::vector<size_t>* page_sizes) {
    std::vector<int64_t> ids;
    std::string token;
    do {
      SweepPage page = Must(sweeps_.List(filter, page_size, token));
      page_sizes->push_back(page.sweeps.size());
      for (const SweepRow& sweep : page.sweeps) ids.push_back(sweep.id);
      token = page.next_page_token;
    } while (!token.empty());
    return ids;
  }

  SweepRepository sweeps_{store()};
};

TEST_P(SweepRepositoryTest, CreateStoresEveryField) {
  const int64_t model = AddModel("model-a");
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult created,
                                sweeps_.Create(Submission("req-1", model), T(7)));
  EXPECT_TRUE(created.created);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow sweep, sweeps_.Get(created.sweep.id));
  EXPECT_EQ(sweep.request_id, "req-1");
  EXPECT_EQ(sweep.name, "first");
  EXPECT_EQ(sweep.model_id, model);
  EXPECT_EQ(sweep.model_hash, "model-a");
  EXPECT_EQ(sweep.spec, std::string("spec\0bytes", 10));
  EXPECT_EQ(sweep.state, RunState::kPending);
  EXPECT_EQ(sweep.priority, 3);
  EXPECT_EQ(sweep.labels,
            (std::map<std::string, std::string>{{"owner", "ana"}, {"purpose", "baseline"}}));
  EXPECT_EQ(sweep.error, "");
  EXPECT_EQ(sweep.created_at, T(7));
  EXPECT_EQ(sweep.updated_at, T(7));
  EXPECT_FALSE(sweep.finished_at.has_value());
}

TEST_P(SweepRepositoryTest, CreateIsIdempotentPerRequestId) {
  const int64_t model = AddModel("model-a");
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult first,
                                sweeps_.Create(Submission("req-1", model), T(0)));
  NewSweep retry = Submission("req-1", model);
  retry.name = "retried";
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult second, sweeps_.Create(retry, T(5)));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.sweep.id, first.sweep.id);
  EXPECT_EQ(second.sweep.name, "first");
  EXPECT_EQ(second.sweep.created_at, T(0));

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult other,
                                sweeps_.Create(Submission("req-2", model), T(0)));
  EXPECT_TRUE(other.created);
  EXPECT_NE(other.sweep.id, first.sweep.id);
  // Without a request_id every submission is new.
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult a,
                                sweeps_.Create(Submission("", model), T(0)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CreateSweepResult b,
                                sweeps_.Create(Submission("", model), T(0)));
  EXPECT_TRUE(a.created && b.created);
  EXPECT_NE(a.sweep.id, b.sweep.id);
}

TEST_P(SweepRepositoryTest, CreateRejectsUnknownModelAndEmptyLabelKey) {
  const absl::StatusOr<CreateSweepResult> unknown = sweeps_.Create(Submission("r", 42), T(0));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(unknown.status().message(), "sweeps.model_id")) << unknown.status();

  NewSweep bad = Submission("r", AddModel("m"));
  bad.labels[""] = "x";
  EXPECT_EQ(sweeps_.Create(bad, T(0)).status().code(), absl::StatusCode::kInvalidArgument);
  // Neither attempt left a sweep behind, so the request id is still free.
  EXPECT_TRUE(Must(sweeps_.List({}, 10, "")).sweeps.empty());
}

TEST_P(SweepRepositoryTest, SubmitWithStagesAndJobsIsOneTransaction) {
  const int64_t model = AddModel("m");
  StageRepository stages(store());
  JobRepository jobs(store());
  // Plans the sweep: two stages, a job in each; `bad_stage` makes the last enqueue fail.
  auto submit = [&](bool bad_stage) -> absl::StatusOr<int64_t> {
    return store().Transact<int64_t>([&](Transaction&) -> absl::StatusOr<int64_t> {
      DEPTHLAB_ASSIGN_OR_RETURN(CreateSweepResult sweep,
                                sweeps_.Create(Submission("req", model), T(0)));
      if (!sweep.created) return sweep.sweep.id;
      DEPTHLAB_ASSIGN_OR_RETURN(
          std::vector<int64_t> ids,
          stages.Add(sweep.sweep.id, {{0, "profile", ""}, {1, "shapley", ""}}, T(0)));
      NewJob job;
      job.kind = "profile";
      job.stage_id = ids[0];
      NewJob second = job;
      second.stage_id = bad_stage ? 9999 : ids[1];
      DEPTHLAB_RETURN_IF_ERROR(jobs.Enqueue({job}, T(0)).status());
      DEPTHLAB_RETURN_IF_ERROR(jobs.Enqueue({second}, T(0)).status());
      return sweep.sweep.id;
    });
  };
  EXPECT_EQ(submit(/*bad_stage=*/true).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Must(sweeps_.List({}, 10, "")).sweeps.empty());
  EXPECT_EQ(Must(jobs.Counts()).total(), 0);

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const int64_t id, submit(/*bad_stage=*/false));
  EXPECT_EQ(Must(stages.ListBySweep(id)).size(), 2u);
  EXPECT_EQ(Must(jobs.CountsBySweep(id)).queued, 2);
  // Resubmitting returns the same sweep and plans nothing twice.
  EXPECT_EQ(Must(submit(/*bad_stage=*/false)), id);
  EXPECT_EQ(Must(jobs.CountsBySweep(id)).queued, 2);
}

TEST_P(SweepRepositoryTest, ListReturnsEverySweepOnceAcrossPagesWithFilters) {
  const int64_t a = AddModel("model-a");
  const int64_t b = AddModel("model-b");
  std::vector<int64_t> a_ids;
  std::vector<int64_t> b_running;
  for (int i = 0; i < 12; ++i) {
    const bool on_a = i % 3 != 0;
    const int64_t id = AddSweep(on_a ? a : b);
    if (on_a) a_ids.insert(a_ids.begin(), id);  // newest first
    if (!on_a && i % 2 == 0) {
      DEPTHLAB_ASSERT_OK(sweeps_.SetState(id, RunState::kRunning, "", T(1)));
      b_running.insert(b_running.begin(), id);
    }
  }
  std::vector<size_t> sizes;
  SweepFilter on_a;
  on_a.model_hash = "model-a";
  EXPECT_EQ(ReadAllPages(on_a, 3, &sizes), a_ids);
  EXPECT_THAT(sizes, ElementsAre(3, 3, 2));

  sizes.clear();
  SweepFilter running_b;
  running_b.model_hash = "model-b";
  running_b.state = RunState::kRunning;
  EXPECT_EQ(ReadAllPages(running_b, 1, &sizes), b_running);
  EXPECT_EQ(b_running.size(), 2u);

  sizes.clear();
  EXPECT_EQ(ReadAllPages({}, 0, &sizes).size(), 12u);  // default page size
  EXPECT_THAT(sizes, ElementsAre(12));
}

TEST_P(SweepRepositoryTest, PagesDoNotShiftWhenSweepsAreCreatedBetweenCalls) {
  const int64_t model = AddModel("m");
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) ids.insert(ids.begin(), AddSweep(model));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepPage first, sweeps_.List({}, 2, ""));
  AddSweep(model);  // newer than the cursor: not on later pages
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepPage second, sweeps_.List({}, 2, first.next_page_token));
  ASSERT_EQ(second.sweeps.size(), 2u);
  EXPECT_EQ(second.sweeps[0].id, ids[2]);
  EXPECT_EQ(second.sweeps[1].id, ids[3]);
  EXPECT_EQ(second.next_page_token, "");
}

TEST_P(SweepRepositoryTest, ListRejectsATokenItDidNotIssue) {
  const absl::StatusOr<SweepPage> page = sweeps_.List({}, 10, "not-a-token");
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(page.status().message(), "page_token")) << page.status();
}

TEST_P(SweepRepositoryTest, SetStateMovesForwardOnly) {
  const int64_t id = AddSweep(AddModel("m"));
  DEPTHLAB_ASSERT_OK(sweeps_.SetState(id, RunState::kRunning, "", T(1)));
  DEPTHLAB_ASSERT_OK(sweeps_.SetState(id, RunState::kRunning, "", T(2)));  // no-op
  EXPECT_EQ(sweeps_.SetState(id, RunState::kPending, "", T(2)).code(),
            absl::StatusCode::kFailedPrecondition);
  DEPTHLAB_ASSERT_OK(sweeps_.SetState(id, RunState::kSucceeded, "", T(3)));
  EXPECT_EQ(sweeps_.SetState(id, RunState::kRunning, "", T(4)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sweeps_.SetState(id, RunState::kFailed, "late", T(4)).code(),
            absl::StatusCode::kFailedPrecondition);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow sweep, sweeps_.Get(id));
  EXPECT_EQ(sweep.state, RunState::kSucceeded);
  EXPECT_EQ(sweep.updated_at, T(3));
  EXPECT_EQ(sweep.finished_at, T(3));
  EXPECT_EQ(sweeps_.SetState(999, RunState::kRunning, "", T(0)).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(SweepRepositoryTest, FailingASweepRecordsTheErrorAndCancelsItsJobs) {
  const int64_t id = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(id);
  AddJobs(stage, 2);
  DEPTHLAB_ASSERT_OK(sweeps_.SetState(id, RunState::kFailed, "planner: bad spec", T(2)));
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow sweep, sweeps_.Get(id));
  EXPECT_EQ(sweep.state, RunState::kFailed);
  EXPECT_EQ(sweep.error, "planner: bad spec");
  EXPECT_EQ(Must(JobRepository(store()).CountsBySweep(id)).cancelled, 2);
  EXPECT_EQ(Must(StageRepository(store()).Get(stage)).state, RunState::kCancelled);
}

TEST_P(SweepRepositoryTest, CancelEndsTheSweepAndRevokesLeases) {
  const int64_t id = AddSweep(AddModel("m"));
  const int64_t stage = AddStage(id);
  const std::vector<int64_t> job_ids = AddJobs(stage, 3);
  JobRepository jobs(store());
  ASSERT_EQ(Must(jobs.Lease("w1", {}, 1, absl::Minutes(1), T(1))).size(), 1u);

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CancelledJobs cancelled, sweeps_.Cancel(id, T(2)));
  EXPECT_EQ(cancelled.jobs_cancelled, 3);
  ASSERT_EQ(cancelled.revoked.size(), 1u);
  EXPECT_EQ(cancelled.revoked[0].job_id, job_ids[0]);
  EXPECT_EQ(cancelled.revoked[0].attempt, 1);
  EXPECT_EQ(cancelled.revoked[0].worker_id, "w1");

  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const SweepRow sweep, sweeps_.Get(id));
  EXPECT_EQ(sweep.state, RunState::kCancelled);
  EXPECT_EQ(sweep.finished_at, T(2));
  EXPECT_EQ(Must(jobs.CountsBySweep(id)).cancelled, 3);
  EXPECT_EQ(Must(StageRepository(store()).Get(stage)).state, RunState::kCancelled);

  // The worker learns it from its next heartbeat, and its report is refused.
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const HeartbeatResult beat,
                                jobs.Heartbeat("w1", {{job_ids[0], 1}}, absl::Minutes(1), T(3)));
  EXPECT_THAT(beat.cancelled, ElementsAre(JobAttempt{job_ids[0], 1}));
  EXPECT_TRUE(beat.extended.empty());
  EXPECT_EQ(jobs.Complete(job_ids[0], 1, "w1", "late", T(3)).status().code(),
            absl::StatusCode::kAborted);

  // Cancelling again is a no-op; a finished sweep cannot be cancelled.
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const CancelledJobs again, sweeps_.Cancel(id, T(4)));
  EXPECT_EQ(again.jobs_cancelled, 0);
  const int64_t done = AddSweep(AddModel("m"));
  DEPTHLAB_ASSERT_OK(sweeps_.SetState(done, RunState::kSucceeded, "", T(1)));
  EXPECT_EQ(sweeps_.Cancel(done, T(2)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sweeps_.Cancel(12345, T(2)).status().code(), absl::StatusCode::kNotFound);
}

DEPTHLAB_STORE_TEST_BACKENDS(SweepRepositoryTest);

}  // namespace
}  // namespace depthlab::store
