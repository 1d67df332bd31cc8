#include "common/flags.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace depthlab {

FlagSet::FlagSet(std::string command, std::string usage, std::string description,
                 std::string program)
    : command_(std::move(command)),
      program_(std::move(program)),
      usage_(std::move(usage)),
      description_(std::move(description)) {}

void FlagSet::String(const std::string& name, const std::string& value_name,
                     const std::string& default_value, const std::string& help) {
  order_.push_back(name);
  flags_[name] = Flag{Kind::kString, value_name, help, default_value, {}, false, default_value};
}

void FlagSet::Bool(const std::string& name, const std::string& help) {
  order_.push_back(name);
  flags_[name] = Flag{Kind::kBool, "", help, "false", {}, false, ""};
}

void FlagSet::List(const std::string& name, const std::string& value_name,
                   const std::string& help) {
  order_.push_back(name);
  flags_[name] = Flag{Kind::kList, value_name, help, "", {}, false, ""};
}

void FlagSet::Positionals(const std::string& name, int min, int max) {
  positional_name_ = name;
  min_positionals_ = min;
  max_positionals_ = max;
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_ended && (arg == "--help" || arg == "-h")) {
      help_ = true;
      return absl::OkStatus();
    }
    if (!flags_ended && arg == "--") {
      flags_ended = true;
    } else if (!flags_ended && arg.size() > 1 && arg[0] == '-') {
      absl::Status status = ParseFlag(arg, args, i);
      if (!status.ok()) return status;
    } else {
      positionals_.push_back(arg);
    }
  }
  return CheckPositionals();
}

absl::Status FlagSet::ParseFlag(const std::string& arg, const std::vector<std::string>& args,
                                size_t& i) {
  std::string name(absl::StripPrefix(arg, "--"));
  std::string value;
  const size_t eq = name.find('=');
  const bool inline_value = eq != std::string::npos;
  if (inline_value) {
    value = name.substr(eq + 1);
    name.resize(eq);
  }
  auto it = flags_.find(name);
  if (it == flags_.end() || !absl::StartsWith(arg, "--")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown flag ", arg, " (see ", Invocation(), " --help)"));
  }
  Flag& flag = it->second;
  flag.set = true;
  if (flag.kind == Kind::kBool) {
    flag.value = inline_value ? value : "true";
    return absl::OkStatus();
  }
  if (!inline_value) {
    if (i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", name, " needs a value (", flag.value_name, "; see ", Invocation(), " --help)"));
    }
    value = args[++i];
  }
  if (flag.kind == Kind::kString) {
    flag.value = value;
  } else {
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      flag.values.emplace_back(part);
    }
  }
  return absl::OkStatus();
}

absl::Status FlagSet::CheckPositionals() const {
  const int count = static_cast<int>(positionals_.size());
  if (count < min_positionals_) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", positional_name_, " (usage: ", program_, " ", usage_, ")"));
  }
  if (max_positionals_ >= 0 && count > max_positionals_) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '",
                                                   positionals_[max_positionals_],
                                                   "' (usage: ", program_, " ", usage_, ")"));
  }
  return absl::OkStatus();
}

std::string FlagSet::Invocation() const {
  return command_.empty() ? program_ : absl::StrCat(program_, " ", command_);
}

std::string FlagSet::Get(const std::string& name) const { return flags_.at(name).value; }

bool FlagSet::IsSet(const std::string& name) const {
  const Flag& flag = flags_.at(name);
  return flag.kind == Kind::kBool ? flag.value == "true" || flag.value == "1" : flag.set;
}

std::vector<std::string> FlagSet::GetList(const std::string& name) const {
  return flags_.at(name).values;
}

absl::StatusOr<int> FlagSet::GetInt(const std::string& name, int min_value) const {
  int value = 0;
  if (!absl::SimpleAtoi(Get(name), &value) || value < min_value) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": '", Get(name), "' is not an integer >= ", min_value));
  }
  return value;
}

absl::StatusOr<double> FlagSet::GetDouble(const std::string& name) const {
  double value = 0;
  if (!absl::SimpleAtod(Get(name), &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": '", Get(name), "' is not a number"));
  }
  return value;
}

absl::StatusOr<std::string> FlagSet::Required(const std::string& name) const {
  if (Get(name).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Invocation(), ": --", name, " is required"));
  }
  return Get(name);
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat("usage: ", program_, " ", usage_, "\n\n", description_, "\n");
  if (!order_.empty()) {
    std::vector<std::string> names;
    size_t width = 0;
    for (const std::string& name : order_) {
      const Flag& flag = flags_.at(name);
      names.push_back(
          absl::StrCat("--", name, flag.value_name.empty() ? "" : " ", flag.value_name));
      width = std::max(width, names.back().size());
    }
    absl::StrAppend(&out, "\nflags:\n");
    for (size_t i = 0; i < order_.size(); ++i) {
      const Flag& flag = flags_.at(order_[i]);
      absl::StrAppend(&out, "  ", names[i], std::string(width + 2 - names[i].size(), ' '),
                      flag.help);
      const bool show_default = !flag.default_value.empty();
      absl::StrAppend(&out, show_default ? absl::StrCat(" (default ", flag.default_value, ")") : "",
                      "\n");
    }
  }
  if (!examples_.empty()) absl::StrAppend(&out, "\nexamples:\n", examples_);
  return out;
}

}  // namespace depthlab
