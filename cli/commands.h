// The `depthlab` commands. Each parses the arguments after its name (--help prints what it does
// with an example), talks to the coordinator through Client and writes to the streams in
// CommandEnv. Each returns the process exit code: 0 success, 1 failure (a failed call, a failed or
// cancelled sweep), 2 a usage error. Errors are printed as "depthlab <command>: <message>".
//
//   return RunCommand("list", {"--state", "running"}, env);
#ifndef DEPTHLAB_CLI_COMMANDS_H_
#define DEPTHLAB_CLI_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cli/client.h"

namespace depthlab::cli {

// Where a command runs. Not owned: the streams must outlive the command.
struct CommandEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // stdin, for `submit -`.
  std::istream* in = nullptr;
  // Progress bars instead of one line per event when stdout is a terminal of `columns` columns.
  bool out_is_terminal = false;
  int columns = 80;
  // --coordinator's default ($DEPTHLAB_COORDINATOR, else localhost:50051).
  std::string default_coordinator = "localhost:50051";
  // Channel factory for Client; empty: TCP. Tests pass an in-process channel.
  ChannelFactory make_channel;
};

using CommandFunction = int (*)(const std::vector<std::string>& args, const CommandEnv& env);

struct CommandInfo {
  const char* name;
  const char* summary;  // one line for `depthlab --help`
  CommandFunction run;
};

// submit, watch, list, results, compare, cancel, in that order.
const std::vector<CommandInfo>& Commands();

// Runs the command `name` (2 and a message on stderr when there is none).
int RunCommand(absl::string_view name, const std::vector<std::string>& args, const CommandEnv& env);

int RunSubmit(const std::vector<std::string>& args, const CommandEnv& env);
int RunWatch(const std::vector<std::string>& args, const CommandEnv& env);
int RunList(const std::vector<std::string>& args, const CommandEnv& env);
int RunResults(const std::vector<std::string>& args, const CommandEnv& env);
int RunCompare(const std::vector<std::string>& args, const CommandEnv& env);
int RunCancel(const std::vector<std::string>& args, const CommandEnv& env);

// submit's default request id: "cli-" and 16 hex digits of a stable 64-bit FNV-1a hash of the
// file's content and absolute path, so submitting the same file twice names the same sweep.
std::string DefaultRequestId(absl::string_view content, absl::string_view absolute_path);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_COMMANDS_H_
