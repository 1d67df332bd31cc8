#include "cli/commands.h"

#include "absl/strings/str_cat.h"

namespace depthlab::cli {

const std::vector<CommandInfo>& Commands() {
  static const auto* commands = new std::vector<CommandInfo>{
      {"submit", "submit a sweep file (YAML or JSON); prints the sweep id", RunSubmit},
      {"watch", "follow a sweep's progress until it ends", RunWatch},
      {"list", "list sweeps, with their state and progress", RunList},
      {"results", "influence scores and pruning curves of a sweep", RunResults},
      {"compare", "one task's pruning curves across sweeps, models and metrics", RunCompare},
      {"cancel", "cancel a sweep", RunCancel},
  };
  return *commands;
}

int RunCommand(absl::string_view name, const std::vector<std::string>& args,
               const CommandEnv& env) {
  for (const CommandInfo& command : Commands()) {
    if (name == command.name) return command.run(args, env);
  }
  *env.err << "depthlab: unknown command '" << name << "' (see depthlab --help)\n";
  return 2;
}

}  // namespace depthlab::cli
