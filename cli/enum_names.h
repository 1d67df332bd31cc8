// Friendly spellings of depthlab.v1 enum values, shared by sweep files, command-line flags and
// tables: the value name without its type prefix, lower-cased (METRIC_RELATIVE_L1 -> relative_l1,
// TASK_KIND_GSM8K -> gsm8k). Parsing also accepts the full proto name, any letter case, and '-' for
// '_'. *_UNSPECIFIED is never accepted. Pure functions; thread-safe.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(int metric, ParseEnumName(v1::Metric_descriptor(), "cosine"));
//   std::string name = FriendlyName(v1::TASK_KIND_MMLU);  // "mmlu"
#ifndef DEPTHLAB_CLI_ENUM_NAMES_H_
#define DEPTHLAB_CLI_ENUM_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::cli {

// "relative_l1" for METRIC_RELATIVE_L1; the full name when the value lacks the type's prefix.
std::string FriendlyName(const google::protobuf::EnumValueDescriptor* value);

// What the type is called in messages: "metric", "task", "granularity", "estimator", "state".
std::string EnumNoun(const google::protobuf::EnumDescriptor* type);

// The accepted friendly names, comma-separated, in declaration order: "mmlu, arc, boolq, ...".
std::string ExpectedNames(const google::protobuf::EnumDescriptor* type);

// The number of the value `name` spells. InvalidArgument otherwise, e.g.
// `unknown task "mmul" (expected one of mmlu, arc, boolq, gsm8k, perplexity)`.
absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                  absl::string_view name);

// Typed conveniences over the above ("?" for numbers the enum does not declare).
std::string FriendlyName(v1::Metric value);
std::string FriendlyName(v1::TaskKind value);
std::string FriendlyName(v1::Granularity value);
std::string FriendlyName(v1::SweepState value);
std::string FriendlyName(v1::Estimator value);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_ENUM_NAMES_H_
