// A checker for depthlab's layering: reads the #include lines of C++ sources and the import lines
// of .proto files and reports each one that breaks a rule. The rules are data (LayeringRules), so
// tests/layering_test.cc states ARCHITECTURE.md's dependency table as a table and this code stays
// generic. Pure apart from ReadSourceTree, so synthetic file sets test the checker itself.
//
//   absl::StatusOr<std::vector<SourceFile>> files = ReadSourceTree(DEPTHLAB_SOURCE_DIR);
//   for (const Violation& v : CheckIncludes(*files, rules)) ADD_FAILURE() << v.ToString();
#ifndef DEPTHLAB_TESTS_INCLUDE_RULES_H_
#define DEPTHLAB_TESTS_INCLUDE_RULES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace depthlab::tests {

// Patterns match a whole include path: "torch/*" (prefix), "*.grpc.pb.h" (suffix), "sqlite3.h"
// (exact). Scopes are path prefixes of the including file, such as "worker/engine/".

// Stands for every top-level folder in FolderRule::may_include.
inline constexpr char kAnyFolder[] = "*";

// One top-level folder and the top-level folders its files may include (besides itself).
struct FolderRule {
  std::string folder;                    // "coordinator"
  std::vector<std::string> may_include;  // {"common", "proto", "store"}; {kAnyFolder} = anything
  bool holds_code = true;                // false: no .h/.cc/.proto may live in this folder
};

// Where includes matching `includes` may appear: only in files under `only_under` (when non-empty)
// and never in files under `never_under`.
struct IncludeRule {
  std::string name;                   // short id shown in reports: "libtorch"
  std::vector<std::string> includes;  // patterns
  std::vector<std::string> only_under;
  std::vector<std::string> never_under;
  std::string reason;
};

// Headers under `folder` that files outside it include (directly, or through other headers of the
// folder) must not include anything matching `forbidden`. Includers under `exempt_includers` do not
// count: they may include the forbidden library themselves.
struct ExposedHeaderRule {
  std::string name;
  std::string folder;  // "worker/engine/"
  std::vector<std::string> forbidden;
  std::vector<std::string> exempt_includers;
  std::string reason;
};

struct LayeringRules {
  std::vector<FolderRule> folders;
  // Include-path prefixes of generated code and the folder that owns it: {"depthlab/", "proto"}.
  std::vector<std::pair<std::string, std::string>> generated_code;
  std::vector<IncludeRule> includes;
  std::vector<ExposedHeaderRule> exposed_headers;
};

// One source file; `path` is relative to the repository root with '/' separators.
struct SourceFile {
  std::string path;
  std::string text;
};

struct Violation {
  std::string path;
  int line = 0;         // 1-based; 0 for rules about the file itself
  std::string include;  // the included path as written; empty for rules about the file itself
  std::string rule;     // FolderRule violations: "folders", "unknown-folder", "no-code";
                        // "relative-include"; otherwise the IncludeRule / ExposedHeaderRule name
  std::string message;

  // `path:line: "include" — message` (or `path: message` for rules about the file itself).
  std::string ToString() const;
};

// Checks every file against `rules`. Files whose path does not end in .h, .cc or .proto are
// ignored. The result is ordered by path, then line.
std::vector<Violation> CheckIncludes(const std::vector<SourceFile>& files,
                                     const LayeringRules& rules);

// Reads every .h, .cc and .proto file under `root`, skipping hidden directories (any depth) and
// top-level build* directories. Ordered by path; NotFound if `root` is not a directory.
absl::StatusOr<std::vector<SourceFile>> ReadSourceTree(const std::string& root);

}  // namespace depthlab::tests

#endif  // DEPTHLAB_TESTS_INCLUDE_RULES_H_
