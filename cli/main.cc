// depthlab: the command-line client of the depthlab coordinator (SweepService over gRPC). Submits
// sweep files, follows their progress and shows influence scores and pruning curves.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "cli/commands.h"

namespace {

constexpr char kUsageHead[] =
    R"(usage: depthlab [--coordinator HOST:PORT] [--timeout SECONDS] <command> [args]

The depthlab client: submit depth-pruning sweeps to a depthlab coordinator, watch them run, and
read influence scores and pruning curves. The coordinator is $DEPTHLAB_COORDINATOR, else
localhost:50051, unless --coordinator names another.

commands:
)";

constexpr char kUsageTail[] = R"(
Run 'depthlab <command> --help' for a command's flags and examples. To start:
  depthlab-coordinator &                   # the service (and depthlab-worker processes)
  depthlab submit examples/tiny-block-sweep.yaml --watch
)";

std::string Usage() {
  std::string out = kUsageHead;
  for (const depthlab::cli::CommandInfo& command : depthlab::cli::Commands()) {
    out += "  " + std::string(command.name) +
           std::string(10 - std::string(command.name).size(), ' ') + command.summary + "\n";
  }
  return out + kUsageTail;
}

int TerminalColumns() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  int columns = 0;
  const char* env = std::getenv("COLUMNS");
  return env != nullptr && absl::SimpleAtoi(env, &columns) && columns > 0 ? columns : 80;
}

bool IsGlobalFlag(const std::string& arg) {
  return arg == "--coordinator" || arg == "--timeout" || absl::StartsWith(arg, "--coordinator=") ||
         absl::StartsWith(arg, "--timeout=");
}

depthlab::cli::CommandEnv ProcessEnv() {
  depthlab::cli::CommandEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.in = &std::cin;
  env.out_is_terminal = isatty(STDOUT_FILENO) != 0;
  env.columns = TerminalColumns();
  const char* coordinator = std::getenv("DEPTHLAB_COORDINATOR");
  if (coordinator != nullptr && *coordinator != '\0') env.default_coordinator = coordinator;
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const depthlab::cli::CommandEnv env = ProcessEnv();
  // Global flags before the command are handed to the command, which declares them too.
  std::vector<std::string> command_args;
  size_t i = 0;
  for (; i < args.size() && IsGlobalFlag(args[i]); ++i) {
    command_args.push_back(args[i]);
    if (!absl::StrContains(args[i], '=') && i + 1 < args.size()) {
      command_args.push_back(args[++i]);
    }
  }
  if (i >= args.size()) {
    std::cerr << Usage();
    return 2;
  }
  const std::string& command = args[i];
  if (command == "--help" || command == "-h" || (command == "help" && i + 1 >= args.size())) {
    std::cout << Usage();
    return 0;
  }
  if (command == "help") return depthlab::cli::RunCommand(args[i + 1], {"--help"}, env);
  if (absl::StartsWith(command, "-")) {
    std::cerr << "depthlab: unknown flag " << command << " (see depthlab --help)\n";
    return 2;
  }
  command_args.insert(command_args.end(), args.begin() + i + 1, args.end());
  return depthlab::cli::RunCommand(command, command_args, env);
}
