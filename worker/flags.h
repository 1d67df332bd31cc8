// A small command-line flag parser for subcommands: `--name value`, `--name=value` and boolean
// `--name`. Each subcommand declares its flags (with help text) so unknown flags and missing
// values are reported by name, and --help is generated. Not thread-safe.
//
//   FlagSet flags("perplexity", "Perplexity of a text file under a masked model.");
//   flags.String("model", "", "Hugging Face model directory (required)");
//   DEPTHLAB_RETURN_IF_ERROR(flags.Parse(argc, argv));
//   std::string model = flags.Get("model");
#ifndef DEPTHLAB_WORKER_FLAGS_H_
#define DEPTHLAB_WORKER_FLAGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace depthlab::worker {

class FlagSet {
 public:
  FlagSet(std::string command, std::string summary)
      : command_(std::move(command)), summary_(std::move(summary)) {}

  void String(const std::string& name, const std::string& default_value, const std::string& help);
  void Bool(const std::string& name, const std::string& help);

  // Parses argv[first..argc). InvalidArgument naming the flag on any problem.
  absl::Status Parse(int argc, char** argv, int first);

  std::string Get(const std::string& name) const;
  bool IsSet(const std::string& name) const;
  absl::StatusOr<int> GetInt(const std::string& name, int min_value) const;
  absl::StatusOr<double> GetDouble(const std::string& name) const;
  // InvalidArgument "--name is required" when empty.
  absl::StatusOr<std::string> Required(const std::string& name) const;
  bool help_requested() const { return help_; }
  std::string Usage() const;

 private:
  struct Flag {
    std::string value;
    std::string help;
    bool is_bool = false;
    bool set = false;
  };
  std::string command_;
  std::string summary_;
  std::vector<std::string> order_;
  std::map<std::string, Flag> flags_;
  bool help_ = false;
};

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_FLAGS_H_
