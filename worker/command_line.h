// What every `depthlab-worker` subcommand shares: its flag set (common/flags.h, shown as
// "usage: depthlab-worker COMMAND [flags]"), parsing with --help, and exit codes (0 done,
// 2 bad flags or InvalidArgument, 1 any other error, after "error: ..." on stderr).
//
//   FlagSet flags = WorkerFlags("tokenize", "Token ids and pieces of a text.");
//   flags.String("model", "", "Hugging Face model directory (required)");
//   return RunCommand(flags, argc, argv, Tokenize);  // Tokenize(const FlagSet&) -> absl::Status
#ifndef DEPTHLAB_WORKER_COMMAND_LINE_H_
#define DEPTHLAB_WORKER_COMMAND_LINE_H_

#include <algorithm>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/flags.h"

namespace depthlab::worker {

inline FlagSet WorkerFlags(const std::string& command, std::string summary) {
  return FlagSet(command, command + " [flags]", std::move(summary), "depthlab-worker");
}

inline int Fail(const absl::Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// Parses argv[2..] (after "depthlab-worker COMMAND"). Returns the exit code to stop with (2 on a
// bad flag, 0 after printing --help), or -1 to go on.
inline int ParseOrExit(FlagSet* flags, int argc, char** argv) {
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  if (absl::Status s = flags->Parse(args); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  if (flags->help_requested()) {
    std::cout << flags->Help();
    return 0;
  }
  return -1;
}

// Parses, then runs `body(flags)`; the process exit code.
template <typename Body>
int RunCommand(FlagSet& flags, int argc, char** argv, Body body) {
  if (int code = ParseOrExit(&flags, argc, argv); code >= 0) return code;
  const absl::Status s = body(flags);
  return s.ok() ? 0 : Fail(s);
}

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_COMMAND_LINE_H_
