// Command-line flags for one command of `depthlab` (the client) or `depthlab-worker`: `--name
// VALUE`,
// `--name=VALUE`, boolean `--name`,
// repeatable list flags (`--metric a --metric b` or `--metric a,b`) and positional arguments, in
// any order (`--` ends the flags). Each command declares its flags with help text, so unknown
// flags and missing values are reported by name and --help is generated. Not thread-safe.
//
//   FlagSet flags("cancel", "cancel SWEEP_ID", "Stops a sweep.");
//   flags.Positionals("SWEEP_ID", 1, 1);
//   DEPTHLAB_RETURN_IF_ERROR(flags.Parse(args));
//   const std::string& id = flags.positionals()[0];
#ifndef DEPTHLAB_COMMON_FLAGS_H_
#define DEPTHLAB_COMMON_FLAGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace depthlab {

class FlagSet {
 public:
  // `usage` is the synopsis after the program name, e.g. "cancel SWEEP_ID"; `description` a
  // paragraph. `program` names the binary in help and errors.
  FlagSet(std::string command, std::string usage, std::string description,
          std::string program = "depthlab");

  // A flag taking a value; `value_name` shows in help ("--limit N").
  void String(const std::string& name, const std::string& value_name,
              const std::string& default_value, const std::string& help);
  // The same, shown as "--name VALUE".
  void String(const std::string& name, const std::string& default_value, const std::string& help) {
    String(name, "VALUE", default_value, help);
  }
  void Bool(const std::string& name, const std::string& help);
  // A repeatable flag; each occurrence may hold several comma-separated values.
  void List(const std::string& name, const std::string& value_name, const std::string& help);
  // Accepts between `min` and `max` positional arguments (`max` < 0: any number).
  void Positionals(const std::string& name, int min, int max);
  // Appended to --help under "examples:"; one command line per line, `# comments` allowed.
  void Examples(std::string text) { examples_ = std::move(text); }

  // Parses the arguments after the command name. InvalidArgument naming the flag or argument on
  // any problem. With --help anywhere, only records that help was asked for.
  absl::Status Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_; }
  std::string Get(const std::string& name) const;
  // A boolean flag that is on, or a value flag given on the command line.
  bool IsSet(const std::string& name) const;
  std::vector<std::string> GetList(const std::string& name) const;
  // InvalidArgument "--name: 'x' is not an integer >= min" otherwise.
  absl::StatusOr<int> GetInt(const std::string& name, int min_value) const;
  absl::StatusOr<double> GetDouble(const std::string& name) const;
  // The value; InvalidArgument "COMMAND: --name is required" when empty.
  absl::StatusOr<std::string> Required(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  const std::string& command() const { return command_; }

  std::string Help() const;

 private:
  enum class Kind { kString, kBool, kList };
  struct Flag {
    Kind kind = Kind::kString;
    std::string value_name;
    std::string help;
    std::string value;
    std::vector<std::string> values;
    bool set = false;
    std::string default_value;  // shown in help, whatever was parsed
  };
  absl::Status ParseFlag(const std::string& arg, const std::vector<std::string>& args, size_t& i);
  absl::Status CheckPositionals() const;
  // "depthlab compare", or the program alone for a binary without subcommands (command "").
  std::string Invocation() const;

  std::string command_;
  std::string program_;
  std::string usage_;
  std::string description_;
  std::string examples_;
  std::string positional_name_;
  int min_positionals_ = 0;
  int max_positionals_ = 0;
  std::vector<std::string> order_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

}  // namespace depthlab

#endif  // DEPTHLAB_COMMON_FLAGS_H_
