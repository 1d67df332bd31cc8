// JobRepository under concurrency: several threads lease and complete from one Store. Every job
// must be leased once and completed exactly once (no double lease, no lost job).
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "store/job_repository.h"
#include "store/stage_repository.h"
#include "store/testing/store_test_base.h"

namespace depthlab::store {
namespace {

using testing::Must;
using testing::T;

constexpr int kThreads = 4;
constexpr int kJobs = 120;

class JobConcurrencyTest : public testing::StoreTestBase {};

// One worker's loop: lease a few, heartbeat them, complete them, until the queue is empty.
// Returns the ids it completed; `errors` collects unexpected statuses.
std::vector<int64_t> RunWorker(JobRepository& jobs, const std::string& worker,
                               std::vector<absl::Status>* errors, std::mutex* errors_mu) {
  std::vector<int64_t> completed;
  auto note = [&](const absl::Status& status) {
    std::lock_guard<std::mutex> lock(*errors_mu);
    errors->push_back(status);
  };
  while (true) {
    absl::StatusOr<std::vector<LeasedJob>> leased = jobs.Lease(worker, {}, 3, absl::Hours(1), T(0));
    if (!leased.ok()) {
      note(leased.status());
      return completed;
    }
    if (leased->empty()) return completed;
    std::vector<JobAttempt> held;
    for (const LeasedJob& job : *leased) held.push_back({job.job_id, job.attempt});
    absl::StatusOr<HeartbeatResult> beat = jobs.Heartbeat(worker, held, absl::Hours(1), T(1));
    if (!beat.ok() || beat->extended.size() != held.size()) note(absl::InternalError("lost"));
    for (const LeasedJob& job : *leased) {
      absl::StatusOr<CompleteResult> done =
          jobs.Complete(job.job_id, job.attempt, worker, "result-" + worker, T(2));
      if (!done.ok() || done->already_completed) {
        note(done.ok() ? absl::InternalError("completed twice") : done.status());
        continue;
      }
      completed.push_back(job.job_id);
    }
  }
}

TEST_P(JobConcurrencyTest, ThreadsNeverDoubleLeaseAJob) {
  const int64_t stage = AddStage(AddSweep(AddModel("m")));
  const std::vector<int64_t> ids = AddJobs(stage, kJobs);
  JobRepository jobs(store());

  std::vector<std::vector<int64_t>> completed(kThreads);
  std::vector<absl::Status> errors;
  std::mutex errors_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { completed[t] = RunWorker(jobs, "w" + std::to_string(t), &errors, &errors_mu); });
  }
  for (std::thread& thread : threads) thread.join();

  for (const absl::Status& error : errors) ADD_FAILURE() << error;
  std::map<int64_t, int> times;
  for (const std::vector<int64_t>& ids_of_thread : completed) {
    for (int64_t id : ids_of_thread) ++times[id];
  }
  ASSERT_EQ(times.size(), ids.size());
  for (int64_t id : ids) {
    EXPECT_EQ(times[id], 1) << "job " << id;
    const JobRow job = Must(jobs.Get(id));
    EXPECT_EQ(job.state, JobState::kSucceeded);
    EXPECT_EQ(job.attempt, 1) << "job " << id << " was leased more than once";
    EXPECT_EQ(job.result, "result-" + job.lease_owner);
  }
  EXPECT_EQ(Must(StageRepository(store()).Get(stage)).jobs_done, kJobs);
}

DEPTHLAB_STORE_TEST_BACKENDS(JobConcurrencyTest);

}  // namespace
}  // namespace depthlab::store
