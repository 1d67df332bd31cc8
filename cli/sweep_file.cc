#include "cli/sweep_file.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/enum_names.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace depthlab::cli {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

enum class Format { kYaml, kJson };

const char* FormatName(Format format) { return format == Format::kJson ? "JSON" : "YAML"; }

// "FILE:LINE", or "FILE" where the parser knows no position.
std::string Where(const std::string& file, int zero_based_line) {
  if (zero_based_line < 0) return file;
  return absl::StrCat(file, ":", zero_based_line + 1);
}

// How a value the user wrote reads in an error: "a mapping", "a list", "nothing", "\"abc\"".
std::string Describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return absl::StrCat("\"", node.Scalar(), "\"");
  return "nothing";
}

// What a field (or one element of a repeated field) expects, for errors.
std::string Expected(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_INT32:
      return "a 32-bit integer";
    case FieldDescriptor::CPPTYPE_INT64:
      return "a 64-bit integer";
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "a non-negative integer";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat("a ", EnumNoun(field->enum_type()), " (one of ",
                          ExpectedNames(field->enum_type()), ")");
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::StrCat("a mapping of ", field->message_type()->name(), " fields");
  }
  return "a value";
}

std::string FieldNames(const Descriptor* type) {
  std::vector<std::string> names;
  names.reserve(type->field_count());
  for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
  return absl::StrJoin(names, ", ");
}

// Parses a scalar as T; InvalidArgument (no message) when it does not spell one.
template <typename T>
absl::StatusOr<T> ParseValue(const std::string& text) {
  T value{};
  bool ok = false;
  if constexpr (std::is_same_v<T, bool>) {
    const std::string lower = absl::AsciiStrToLower(text);
    value = lower == "true" || lower == "yes" || lower == "on";
    ok = value || lower == "false" || lower == "no" || lower == "off";
  } else if constexpr (std::is_floating_point_v<T>) {
    double d = 0;
    ok = absl::SimpleAtod(text, &d) && std::isfinite(d);
    value = static_cast<T>(d);
  } else {
    ok = absl::SimpleAtoi(text, &value);
  }
  if (!ok) return absl::InvalidArgumentError("");
  return value;
}

template <typename T>
using Setter = void (Reflection::*)(Message*, const FieldDescriptor*, T) const;

// Sets (or appends to a repeated field) the value `text` spells.
template <typename T>
absl::Status SetValue(const std::string& text, Setter<T> set, Setter<T> add,
                      const FieldDescriptor* field, Message& message) {
  DEPTHLAB_ASSIGN_OR_RETURN(T value, ParseValue<T>(text));
  (message.GetReflection()->*(field->is_repeated() ? add : set))(&message, field, value);
  return absl::OkStatus();
}

absl::Status SetNumberOrBool(const FieldDescriptor* field, const std::string& text,
                             Message& message) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return SetValue<int32_t>(text, &Reflection::SetInt32, &Reflection::AddInt32, field, message);
    case FieldDescriptor::CPPTYPE_INT64:
      return SetValue<int64_t>(text, &Reflection::SetInt64, &Reflection::AddInt64, field, message);
    case FieldDescriptor::CPPTYPE_UINT32:
      return SetValue<uint32_t>(text, &Reflection::SetUInt32, &Reflection::AddUInt32, field,
                                message);
    case FieldDescriptor::CPPTYPE_UINT64:
      return SetValue<uint64_t>(text, &Reflection::SetUInt64, &Reflection::AddUInt64, field,
                                message);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return SetValue<double>(text, &Reflection::SetDouble, &Reflection::AddDouble, field, message);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return SetValue<float>(text, &Reflection::SetFloat, &Reflection::AddFloat, field, message);
    case FieldDescriptor::CPPTYPE_BOOL:
      return SetValue<bool>(text, &Reflection::SetBool, &Reflection::AddBool, field, message);
    default:
      return absl::InternalError(absl::StrCat(field->full_name(), " is not a number or bool"));
  }
}

// Sets (or, for a repeated field, appends) the scalar `text` in `message`. InvalidArgument with
// the problem (no location) when `text` does not spell a value of the field's type.
absl::Status SetScalar(const FieldDescriptor* field, const std::string& text, Message& message) {
  const Reflection* r = message.GetReflection();
  const bool add = field->is_repeated();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    add ? r->AddString(&message, field, text) : r->SetString(&message, field, text);
    return absl::OkStatus();
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    DEPTHLAB_ASSIGN_OR_RETURN(int value, ParseEnumName(field->enum_type(), text));
    add ? r->AddEnumValue(&message, field, value) : r->SetEnumValue(&message, field, value);
    return absl::OkStatus();
  }
  if (!SetNumberOrBool(field, text, message).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", Expected(field), ", got \"", text, "\""));
  }
  return absl::OkStatus();
}

// Walks a YAML node tree onto a proto message by reflection, so every field of the proto is
// accepted under its own name and nothing else is. Errors carry FILE:LINE and the field path.
// Not thread-safe; refers to nothing after construction but its own copy of the file name.
class NodeWalker {
 public:
  explicit NodeWalker(std::string file) : file_(std::move(file)) {}

  absl::Status Walk(const YAML::Node& node, const std::string& path, Message& message) const {
    if (!node.IsMap()) {
      return Error(node, path,
                   absl::StrCat("expected a mapping of ", message.GetDescriptor()->name(),
                                " fields, got ", Describe(node)));
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {  // entries are values: it->first would dangle
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) return Error(key, path, "a field name must be a plain string");
      const std::string field_path = Join(path, key.Scalar());
      const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(key.Scalar());
      if (field == nullptr) {
        return Error(key, field_path,
                     absl::StrCat("unknown field (expected one of ",
                                  FieldNames(message.GetDescriptor()), ")"));
      }
      if (!seen.insert(key.Scalar()).second) return Error(key, field_path, "given twice");
      DEPTHLAB_RETURN_IF_ERROR(Field(entry.second, field_path, field, message));
    }
    return absl::OkStatus();
  }

 private:
  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? name : absl::StrCat(path, ".", name);
  }

  absl::Status Error(const YAML::Node& at, const std::string& path,
                     absl::string_view problem) const {
    const std::string where = Where(file_, at.Mark().line);
    if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", path, ": ", problem));
  }

  // One field's value; null (`field:` or `field: ~`) leaves the proto default.
  absl::Status Field(const YAML::Node& value, const std::string& path, const FieldDescriptor* field,
                     Message& message) const {
    if (value.IsNull()) return absl::OkStatus();
    if (field->is_map()) return MapField(value, path, field, message);
    if (!field->is_repeated()) return Element(value, path, field, message);
    if (!value.IsSequence()) {
      std::string problem = absl::StrCat("expected a list, got ", Describe(value));
      if (value.IsScalar()) absl::StrAppend(&problem, " (write [", value.Scalar(), "] for one)");
      return Error(value, path, problem);
    }
    for (size_t i = 0; i < value.size(); ++i) {
      DEPTHLAB_RETURN_IF_ERROR(Element(value[i], absl::StrCat(path, "[", i, "]"), field, message));
    }
    return absl::OkStatus();
  }

  // A singular value, or one element appended to a repeated field.
  absl::Status Element(const YAML::Node& value, const std::string& path,
                       const FieldDescriptor* field, Message& message) const {
    const Reflection* r = message.GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message* child = field->is_repeated() ? r->AddMessage(&message, field)
                                            : r->MutableMessage(&message, field);
      return Walk(value, path, *child);
    }
    if (!value.IsScalar()) {
      return Error(value, path,
                   absl::StrCat("expected ", Expected(field), ", got ", Describe(value)));
    }
    const absl::Status status = SetScalar(field, value.Scalar(), message);
    return status.ok() ? status : Error(value, path, status.message());
  }

  // map<K, V>: a mapping whose keys are K and values V (entries appended by reflection).
  absl::Status MapField(const YAML::Node& value, const std::string& path,
                        const FieldDescriptor* field, Message& message) const {
    if (!value.IsMap()) {
      return Error(value, path, absl::StrCat("expected a mapping, got ", Describe(value)));
    }
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    std::set<std::string> seen;
    for (const auto& item : value) {
      const YAML::Node& key = item.first;
      if (!key.IsScalar()) return Error(key, path, "a key must be a plain string");
      const std::string entry_path = Join(path, key.Scalar());
      if (!seen.insert(key.Scalar()).second) return Error(key, entry_path, "given twice");
      Message* entry = message.GetReflection()->AddMessage(&message, field);
      const absl::Status status = SetScalar(key_field, key.Scalar(), *entry);
      if (!status.ok()) return Error(key, entry_path, status.message());
      if (item.second.IsNull()) continue;
      DEPTHLAB_RETURN_IF_ERROR(Element(item.second, entry_path, value_field, *entry));
    }
    return absl::OkStatus();
  }

  std::string file_;
};

Format DetectFormat(const std::string& path, absl::string_view text) {
  const std::string extension = absl::AsciiStrToLower(fs::path(path).extension().string());
  if (extension == ".json") return Format::kJson;
  if (extension == ".yaml" || extension == ".yml") return Format::kYaml;
  const absl::string_view content = absl::StripLeadingAsciiWhitespace(text);
  const bool json = absl::StartsWith(content, "{") && nlohmann::json::accept(text);
  return json ? Format::kJson : Format::kYaml;
}

// JSON must be strict JSON (YAML would accept more), with the line of the first error.
absl::Status CheckJson(absl::string_view text, const std::string& file) {
  try {
    [[maybe_unused]] const nlohmann::json document = nlohmann::json::parse(text);
    return absl::OkStatus();
  } catch (const nlohmann::json::parse_error& e) {
    const size_t end = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const int line = static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
    std::string message = e.what();
    const size_t column = message.find("column ");
    const size_t colon = message.find(": ", column == std::string::npos ? 0 : column);
    if (colon != std::string::npos) message = message.substr(colon + 2);
    return absl::InvalidArgumentError(
        absl::StrCat(Where(file, line), ": malformed JSON: ", message));
  }
}

absl::StatusOr<YAML::Node> ParseDocument(absl::string_view text, const std::string& file,
                                         Format format) {
  if (format == Format::kJson) DEPTHLAB_RETURN_IF_ERROR(CheckJson(text, file));
  try {
    return YAML::Load(std::string(text.data(), text.size()));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(file, e.mark.line), ": malformed ", FormatName(format), ": ", e.msg));
  }
}

void ResolvePath(const fs::path& base, std::string* path) {
  if (path->empty()) return;
  const char* home = std::getenv("HOME");
  if (absl::StartsWith(*path, "~/") && home != nullptr) {
    *path = (fs::path(home) / path->substr(2)).lexically_normal().string();
  } else if (fs::path(*path).is_relative()) {
    *path = (base / *path).lexically_normal().string();
  }
}

void ResolveTaskPaths(const fs::path& base, v1::TaskSpec* task) {
  ResolvePath(base, task->mutable_path());
  ResolvePath(base, task->mutable_shots_path());
}

void ResolvePaths(const std::string& file, v1::SweepSpec& spec) {
  std::error_code error;
  fs::path base = fs::absolute(fs::path(file), error).parent_path();
  if (error) base = fs::path(file).parent_path();
  ResolvePath(base, spec.mutable_model());
  if (spec.has_calibration()) ResolvePath(base, spec.mutable_calibration()->mutable_path());
  for (v1::TaskSpec& task : *spec.mutable_tasks()) ResolveTaskPaths(base, &task);
  if (spec.has_shapley() && spec.shapley().has_task()) {
    ResolveTaskPaths(base, spec.mutable_shapley()->mutable_task());
  }
}

}  // namespace

absl::StatusOr<v1::SweepSpec> ParseSweepFile(absl::string_view text, const std::string& path) {
  const Format format = DetectFormat(path, text);
  DEPTHLAB_ASSIGN_OR_RETURN(YAML::Node root, ParseDocument(text, path, format));
  if (root.IsNull()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: empty sweep file (expected the fields of a SweepSpec; see examples/README.md)"));
  }
  v1::SweepSpec spec;
  try {
    DEPTHLAB_RETURN_IF_ERROR(NodeWalker(path).Walk(root, "", spec));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, e.mark.line), ": ", FormatName(format), ": ", e.msg));
  }
  ResolvePaths(path, spec);
  return spec;
}

absl::StatusOr<std::string> ReadSweepFile(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such sweep file"));
  }
  if (fs::is_directory(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory (expected a YAML or JSON sweep file)"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot read the sweep file"));
  return content.str();
}

absl::StatusOr<v1::SweepSpec> LoadSweepFile(const std::string& path) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::string text, ReadSweepFile(path));
  return ParseSweepFile(text, path);
}

}  // namespace depthlab::cli
