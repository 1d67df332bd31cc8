// Helpers shared by the command implementations (internal to cli/): connection flags, error
// printing and JSON output. Not thread-safe (they write to the CommandEnv streams).
#ifndef DEPTHLAB_CLI_COMMAND_UTIL_H_
#define DEPTHLAB_CLI_COMMAND_UTIL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/flags.h"
#include "google/protobuf/message.h"

namespace depthlab::cli {

// Adds --coordinator HOST:PORT and --timeout SECONDS to a command's flags.
void AddConnectionFlags(FlagSet& flags, const CommandEnv& env);

// The connection those flags describe. InvalidArgument for a bad --timeout.
absl::StatusOr<ConnectionOptions> ConnectionFromFlags(const FlagSet& flags, const CommandEnv& env);

// Parses `args`. Returns the exit code when the command must stop now: 0 after printing --help,
// 2 after printing a usage error; nullopt to go on.
std::optional<int> ParseOrExit(FlagSet& flags, const std::vector<std::string>& args,
                               const CommandEnv& env);

// Prints "depthlab <command>: <message>" on stderr; returns `exit_code`.
int Fail(const CommandEnv& env, const std::string& command, const absl::Status& status,
         int exit_code = 1);

// A bad flag value found after parsing: InvalidArgument marked so that commands exit with 2.
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

// The enum value a flag names (friendly or full name); a UsageError "--flag: unknown ..." if none.
absl::StatusOr<int> ParseEnumFlag(const google::protobuf::EnumDescriptor* type,
                                  const std::string& flag, const std::string& value);

// Proto JSON (proto field names, enum names, default values printed), indented by 2: of one
// message, or of an object whose members are messages.
std::string ToJson(const google::protobuf::Message& message);
std::string ToJson(
    const std::vector<std::pair<std::string, const google::protobuf::Message*>>& members);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_COMMAND_UTIL_H_
