// A JobExecutor for tests of the lease loop: Run records the job and returns a scripted result
// (or error), at once or, when blocking, once Release() is called; while it waits it polls
// should_stop (as JobRunner does between units of work) and returns Cancelled when told to stop.
//
//   FakeJobExecutor executor;
//   executor.set_blocking(true);
//   ... executor.WaitForRuns(1, absl::Seconds(10)); executor.Release();
#ifndef DEPTHLAB_WORKER_RUNNER_TESTING_FAKE_JOB_EXECUTOR_H_
#define DEPTHLAB_WORKER_RUNNER_TESTING_FAKE_JOB_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "worker/runner/job_executor.h"

namespace depthlab::worker::runner::testing {

// Thread-safe.
class FakeJobExecutor : public JobExecutor {
 public:
  // Runs block until Release (or a stop); default false.
  void set_blocking(bool blocking);
  // What Run returns (default: an empty JobResult with tokens = 1000).
  void set_result(absl::StatusOr<v1::JobResult> result);
  // Lets blocked and later runs finish (until set_blocking(true) again).
  void Release();

  int runs_started() const;
  int runs_stopped() const;  // returned Cancelled because should_stop said so
  std::vector<v1::JobSpec> specs() const;
  // Waits until `n` runs started (or stopped); false after `timeout`.
  bool WaitForRuns(int n, absl::Duration timeout) const;
  bool WaitForStops(int n, absl::Duration timeout) const;

  absl::StatusOr<v1::JobResult> Run(const v1::JobSpec& spec,
                                    const std::function<bool()>& should_stop) override;
  std::vector<std::string> HeldModelHashes() const override { return {"fake-model-hash"}; }
  int64_t model_loads() const override;
  std::string device() const override { return "fake device"; }

 private:
  mutable absl::Mutex mu_;
  bool blocking_ ABSL_GUARDED_BY(mu_) = false;
  absl::StatusOr<v1::JobResult> result_ ABSL_GUARDED_BY(mu_) = DefaultResult();
  std::vector<v1::JobSpec> specs_ ABSL_GUARDED_BY(mu_);
  int stopped_ ABSL_GUARDED_BY(mu_) = 0;

  static v1::JobResult DefaultResult();
};

}  // namespace depthlab::worker::runner::testing

#endif  // DEPTHLAB_WORKER_RUNNER_TESTING_FAKE_JOB_EXECUTOR_H_
