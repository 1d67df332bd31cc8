#include "cli/enum_names.h"

#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace depthlab::cli {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

// "TaskKind" -> "TASK_KIND_": the prefix the style guide puts on every value of the type.
std::string ValuePrefix(const EnumDescriptor* type) {
  std::string prefix;
  for (char c : type->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return prefix + "_";
}

bool IsUnspecified(const EnumValueDescriptor* value) { return value->number() == 0; }

template <typename E>
std::string TypedName(const EnumDescriptor* type, E value) {
  const EnumValueDescriptor* found = type->FindValueByNumber(static_cast<int>(value));
  return found == nullptr ? "?" : FriendlyName(found);
}

}  // namespace

std::string FriendlyName(const EnumValueDescriptor* value) {
  const std::string prefix = ValuePrefix(value->type());
  if (!absl::StartsWith(value->name(), prefix)) return value->name();
  return absl::AsciiStrToLower(value->name().substr(prefix.size()));
}

std::string EnumNoun(const EnumDescriptor* type) {
  if (type->name() == "TaskKind") return "task";
  if (type->name() == "SweepState") return "state";
  return absl::AsciiStrToLower(type->name());
}

std::string ExpectedNames(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (!IsUnspecified(type->value(i))) names.push_back(FriendlyName(type->value(i)));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<int> ParseEnumName(const EnumDescriptor* type, absl::string_view name) {
  const std::string wanted = absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"-", "_"}});
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* value = type->value(i);
    if (IsUnspecified(value)) continue;
    if (wanted == FriendlyName(value) || wanted == absl::AsciiStrToLower(value->name())) {
      return value->number();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown ", EnumNoun(type), " \"", name,
                                                 "\" (expected one of ", ExpectedNames(type), ")"));
}

std::string FriendlyName(v1::Metric value) { return TypedName(v1::Metric_descriptor(), value); }
std::string FriendlyName(v1::TaskKind value) { return TypedName(v1::TaskKind_descriptor(), value); }
std::string FriendlyName(v1::Granularity value) {
  return TypedName(v1::Granularity_descriptor(), value);
}
std::string FriendlyName(v1::SweepState value) {
  return TypedName(v1::SweepState_descriptor(), value);
}
std::string FriendlyName(v1::Estimator value) {
  return TypedName(v1::Estimator_descriptor(), value);
}

}  // namespace depthlab::cli
