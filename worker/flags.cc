#include "worker/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace depthlab::worker {

void FlagSet::String(const std::string& name, const std::string& default_value,
                     const std::string& help) {
  order_.push_back(name);
  flags_[name] = Flag{default_value, help, false, false};
}

void FlagSet::Bool(const std::string& name, const std::string& help) {
  order_.push_back(name);
  flags_[name] = Flag{"false", help, true, false};
}

absl::Status FlagSet::Parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(command_, ": unexpected argument '", arg,
                                                     "' (flags start with --; see --help)"));
    }
    std::string name = arg.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(command_, ": unknown flag --", name, " (see --help)"));
    }
    if (it->second.is_bool) {
      it->second.value = inline_value ? value : "true";
    } else if (inline_value) {
      it->second.value = value;
    } else {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat(command_, ": --", name, " needs a value"));
      }
      it->second.value = argv[++i];
    }
    it->second.set = true;
  }
  return absl::OkStatus();
}

std::string FlagSet::Get(const std::string& name) const { return flags_.at(name).value; }

bool FlagSet::IsSet(const std::string& name) const {
  const Flag& f = flags_.at(name);
  return f.is_bool ? f.value == "true" : f.set;
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
    return absl::InvalidArgumentError(absl::StrCat(command_, ": --", name, " is required"));
  }
  return Get(name);
}

std::string FlagSet::Usage() const {
  std::string out =
      absl::StrCat("usage: depthlab-worker ", command_, " [flags]\n\n", summary_, "\n\nflags:\n");
  for (const std::string& name : order_) {
    const Flag& f = flags_.at(name);
    std::string left = absl::StrCat("  --", name, f.is_bool ? "" : " VALUE");
    left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
    absl::StrAppend(&out, left, f.help);
    if (!f.is_bool && !f.value.empty()) absl::StrAppend(&out, " (default: ", f.value, ")");
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace depthlab::worker
