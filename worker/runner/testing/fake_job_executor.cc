#include "worker/runner/testing/fake_job_executor.h"

#include <utility>

namespace depthlab::worker::runner::testing {
namespace {

// How often a blocked run polls should_stop.
constexpr absl::Duration kStopPoll = absl::Milliseconds(5);

}  // namespace

v1::JobResult FakeJobExecutor::DefaultResult() {
  v1::JobResult result;
  result.set_tokens(1000);
  return result;
}

void FakeJobExecutor::set_blocking(bool blocking) {
  absl::MutexLock lock(&mu_);
  blocking_ = blocking;
}

void FakeJobExecutor::set_result(absl::StatusOr<v1::JobResult> result) {
  absl::MutexLock lock(&mu_);
  result_ = std::move(result);
}

void FakeJobExecutor::Release() { set_blocking(false); }

int FakeJobExecutor::runs_started() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(specs_.size());
}

int FakeJobExecutor::runs_stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

std::vector<v1::JobSpec> FakeJobExecutor::specs() const {
  absl::MutexLock lock(&mu_);
  return specs_;
}

int64_t FakeJobExecutor::model_loads() const {
  absl::MutexLock lock(&mu_);
  return specs_.empty() ? 0 : 1;
}

bool FakeJobExecutor::WaitForRuns(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(specs_.size()) >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool FakeJobExecutor::WaitForStops(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopped_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

absl::StatusOr<v1::JobResult> FakeJobExecutor::Run(const v1::JobSpec& spec,
                                                   const std::function<bool()>& should_stop) {
  absl::MutexLock lock(&mu_);
  specs_.push_back(spec);
  auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !blocking_; };
  while (!mu_.AwaitWithTimeout(absl::Condition(&released), kStopPoll)) {
    if (should_stop()) {
      ++stopped_;
      return absl::CancelledError("job stopped before it finished");
    }
  }
  return result_;
}

}  // namespace depthlab::worker::runner::testing
