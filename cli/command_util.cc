#include "cli/command_util.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "cli/enum_names.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace depthlab::cli {
namespace {

constexpr char kUsagePayload[] = "type.googleapis.com/depthlab.cli.UsageError";

nlohmann::ordered_json JsonOf(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a valid message cannot fail; an empty object stands in if it ever does.
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return {};
  return nlohmann::ordered_json::parse(json);
}

}  // namespace

void AddConnectionFlags(FlagSet& flags, const CommandEnv& env) {
  flags.String("coordinator", "HOST:PORT", env.default_coordinator,
               "the coordinator's address ($DEPTHLAB_COORDINATOR)");
  flags.String("timeout", "SECONDS", "", "deadline of each call (default 30; submit: 600)");
}

absl::StatusOr<ConnectionOptions> ConnectionFromFlags(const FlagSet& flags, const CommandEnv& env) {
  ConnectionOptions options;
  options.target = flags.Get("coordinator");
  if (options.target.empty()) return UsageError("--coordinator: empty (expected HOST:PORT)");
  options.make_channel = env.make_channel;
  if (flags.IsSet("timeout")) {
    absl::StatusOr<double> seconds = flags.GetDouble("timeout");
    if (!seconds.ok() || *seconds <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timeout: '", flags.Get("timeout"), "' is not a positive number"));
    }
    options.timeout = options.submit_timeout = absl::Seconds(*seconds);
  }
  return options;
}

std::optional<int> ParseOrExit(FlagSet& flags, const std::vector<std::string>& args,
                               const CommandEnv& env) {
  const absl::Status status = flags.Parse(args);
  if (flags.help_requested()) {
    *env.out << flags.Help();
    return 0;
  }
  if (!status.ok()) return Fail(env, flags.command(), status, 2);
  return std::nullopt;
}

int Fail(const CommandEnv& env, const std::string& command, const absl::Status& status,
         int exit_code) {
  *env.err << "depthlab " << command << ": " << status.message() << "\n";
  return exit_code;
}

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("usage"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<int> ParseEnumFlag(const google::protobuf::EnumDescriptor* type,
                                  const std::string& flag, const std::string& value) {
  absl::StatusOr<int> number = ParseEnumName(type, value);
  if (!number.ok()) {
    return UsageError(absl::StrCat("--", flag, ": ", number.status().message()));
  }
  return number;
}

std::string ToJson(const google::protobuf::Message& message) {
  return JsonOf(message).dump(2) + "\n";
}

std::string ToJson(
    const std::vector<std::pair<std::string, const google::protobuf::Message*>>& members) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, message] : members) object[name] = JsonOf(*message);
  return object.dump(2) + "\n";
}

}  // namespace depthlab::cli
