// Real child processes for multi-process tests: start a binary with arguments and a log file,
// signal it, wait for it. Plus the waiting helpers such tests need (a condition with a deadline,
// a free loopback port, a tiny HTTP GET).
#ifndef DEPTHLAB_TESTS_TESTING_PROCESS_H_
#define DEPTHLAB_TESTS_TESTING_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace depthlab::testing {

// Not thread-safe. Kills (SIGKILL) and reaps the child on destruction if it still runs.
class Subprocess {
 public:
  // Starts `argv[0]` with stdout and stderr appended to `log_path`.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                           const std::string& log_path);
  ~Subprocess();
  void Signal(int signal);
  // Waits for exit; the exit status as from waitpid (or -1 on timeout).
  int Wait(absl::Duration timeout);
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
  int status_ = 0;
};

// Polls `condition` every 20 ms until it holds (true) or `timeout` passes (false).
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// A TCP port on 127.0.0.1 free at the time of the call.
int FreePort();

// GET http://127.0.0.1:port/path; the response body, or an error.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

}  // namespace depthlab::testing

#endif  // DEPTHLAB_TESTS_TESTING_PROCESS_H_
