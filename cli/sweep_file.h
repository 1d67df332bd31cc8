// Sweep files: a YAML or JSON document whose fields are exactly those of depthlab.v1.SweepSpec
// (proto field names), with friendly enum spellings (granularity: block, metrics: [cosine],
// tasks: [{kind: mmlu}]; enum_names.h). examples/README.md documents every field. Pure functions
// over their inputs; thread-safe.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(v1::SweepSpec spec, LoadSweepFile("examples/tiny-block-sweep.yaml"));
#ifndef DEPTHLAB_CLI_SWEEP_FILE_H_
#define DEPTHLAB_CLI_SWEEP_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "depthlab/v1/types.pb.h"

namespace depthlab::cli {

// Reads and parses the sweep file at `path`: JSON when the name ends in .json, YAML for .yaml and
// .yml, otherwise decided by the content. Relative paths inside it (model, calibration.path, and
// path / shots_path of every task) are resolved against the file's directory and made absolute;
// a leading "~/" means $HOME.
// NotFound when there is no such file. InvalidArgument "FILE:LINE: FIELD.PATH: problem" for a
// malformed document, an unknown field, a value of the wrong type or an unknown enum name, e.g.
//   sweep.yaml:7: tasks[1].kind: unknown task "mmul" (expected one of mmlu, arc, ...)
absl::StatusOr<v1::SweepSpec> LoadSweepFile(const std::string& path);

// The first half of LoadSweepFile: the file's bytes. NotFound when there is no such file,
// InvalidArgument for a directory, PermissionDenied when it cannot be read.
absl::StatusOr<std::string> ReadSweepFile(const std::string& path);

// The second half of LoadSweepFile, for `text` read from `path`; `path` names the file in errors
// and anchors relative paths, and need not exist.
absl::StatusOr<v1::SweepSpec> ParseSweepFile(absl::string_view text, const std::string& path);

}  // namespace depthlab::cli

#endif  // DEPTHLAB_CLI_SWEEP_FILE_H_
