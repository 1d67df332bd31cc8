#include "worker/serve_command.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "worker/client/worker_client.h"
#include "worker/client/worker_metrics.h"
#include "worker/command_line.h"
#include "worker/runner/job_runner.h"

namespace depthlab::worker {
namespace {

// The write end of the pipe that SIGINT and SIGTERM are forwarded to (see SignalWatcher).
int signal_pipe_write = -1;

extern "C" void ForwardSignal(int signal) {
  const char byte = static_cast<char>(signal);
  const ssize_t written = write(signal_pipe_write, &byte, 1);  // async-signal-safe
  (void)written;
}

// Turns the first SIGINT/SIGTERM into a graceful WorkerClient::Shutdown and a second one into an
// immediate exit. The handlers only write the signal number to a pipe (libraries start threads
// before main, so blocking the signals and sigwait-ing cannot catch every delivery); this
// object's thread reads it. One instance at a time.
class SignalWatcher {
 public:
  explicit SignalWatcher(WorkerClient* client) : client_(client) {
    if (pipe2(fds_, O_CLOEXEC) != 0) return;
    signal_pipe_write = fds_[1];
    struct sigaction action {};
    action.sa_handler = ForwardSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    thread_ = std::thread([this] { Watch(); });
  }
  ~SignalWatcher() {
    if (!thread_.joinable()) return;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const char quit = 0;
    while (write(fds_[1], &quit, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
    close(fds_[0]);
    close(fds_[1]);
  }

 private:
  void Watch() {
    for (int received = 0;;) {
      char byte = 0;
      const ssize_t n = read(fds_[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n != 1 || byte == 0) return;
      if (received++ > 0) {
        absl::FPrintF(stderr, "depthlab-worker: second %s; exiting now\n", strsignal(byte));
        std::_Exit(1);
      }
      absl::FPrintF(stderr, "depthlab-worker: %s; shutting down (again to exit at once)\n",
                    strsignal(byte));
      client_->Shutdown();
    }
  }

  WorkerClient* client_;
  int fds_[2] = {-1, -1};
  std::thread thread_;
};

std::string HostName() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? name : "localhost";
}

absl::Status Serve(const FlagSet& flags) {
  WorkerClientOptions options;
  DEPTHLAB_ASSIGN_OR_RETURN(options.coordinator, flags.Required("coordinator"));
  options.name = flags.Get("name");
  DEPTHLAB_ASSIGN_OR_RETURN(const int metrics_port, flags.GetInt("metrics-port", 0));
  if (metrics_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-port: ", metrics_port, " is not a TCP port (0-65535)"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const int grace_seconds, flags.GetInt("grace-seconds", 0));
  options.shutdown_grace = absl::Seconds(grace_seconds);
  runner::JobRunnerOptions runner_options;
  runner_options.device = flags.Get("device");
  runner_options.dtype = flags.Get("dtype");
  DEPTHLAB_ASSIGN_OR_RETURN(runner_options.num_threads, flags.GetInt("threads", 0));
  runner_options.prefix_reuse = !flags.IsSet("no-prefix-reuse");
  DEPTHLAB_ASSIGN_OR_RETURN(auto runner, runner::JobRunner::Create(runner_options));
  WorkerMetrics metrics;
  if (metrics_port > 0) {
    DEPTHLAB_ASSIGN_OR_RETURN(const int port, metrics.Serve(metrics_port));
    options.metrics_address = absl::StrCat(HostName(), ":", port);
    absl::FPrintF(stderr, "depthlab-worker: serving /metrics on port %d\n", port);
  }
  options.executor = runner.get();
  options.metrics = &metrics;
  DEPTHLAB_ASSIGN_OR_RETURN(auto client, WorkerClient::Create(options));
  SignalWatcher watcher(client.get());
  DEPTHLAB_RETURN_IF_ERROR(client->Run());
  absl::FPrintF(stderr, "depthlab-worker: stopped\n");
  return absl::OkStatus();
}

}  // namespace

int RunServe(int argc, char** argv) {
  FlagSet flags = WorkerFlags(
      "serve",
      "The service's worker process: registers with the coordinator, leases jobs\n"
      "(influence statistics, coalition values, task shards), runs them on this\n"
      "machine's engine and reports their sums, until SIGTERM or SIGINT. On a signal it\n"
      "stops leasing, lets a running job finish within --grace-seconds (else hands it\n"
      "back to be re-leased) and exits 0; a second signal exits at once.");
  flags.String("coordinator", "", "HOST:PORT of the coordinator (required)");
  flags.String("name", "", "worker name the coordinator shows (default: the host name)");
  flags.String("metrics-port", "0", "serve Prometheus /metrics on this port (0 = none)");
  flags.String("device", "auto", "auto, cpu or cuda");
  flags.String("dtype", "auto", "auto (fp32 on CPU, bf16 on CUDA), float32, bfloat16, float16");
  flags.String("threads", "0", "CPU threads for libtorch (0 = every core)");
  flags.String("grace-seconds", "60", "on shutdown, how long a running job may take to finish");
  flags.Bool("no-prefix-reuse",
             "run every coalition mask from the embeddings instead of sharing the units masks\n"
             "agree on first (same results, more work; for measuring the saving)");
  return RunCommand(flags, argc, argv, Serve);
}

}  // namespace depthlab::worker
