#include "tests/include_rules.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace depthlab::tests {
namespace {

// One #include (or .proto import) line.
struct IncludeLine {
  int line = 0;
  std::string path;  // without the delimiters
};

using IncludeMap = std::map<std::string, std::vector<IncludeLine>>;

bool IsSource(absl::string_view path) {
  return absl::EndsWith(path, ".h") || absl::EndsWith(path, ".cc") ||
         absl::EndsWith(path, ".proto");
}

absl::string_view SkipSpace(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Consumes `word` at the start of `s`.
bool ConsumeWord(absl::string_view& s, absl::string_view word) {
  if (!absl::StartsWith(s, word)) return false;
  s.remove_prefix(word.size());
  return true;
}

// The path between `open` and its closing delimiter at the start of `s`, if any.
bool ReadDelimited(absl::string_view s, std::string* path) {
  if (s.empty() || (s.front() != '"' && s.front() != '<')) return false;
  const char close = s.front() == '"' ? '"' : '>';
  const size_t end = s.find(close, 1);
  if (end == absl::string_view::npos) return false;
  *path = std::string(s.substr(1, end - 1));
  return true;
}

// `#include "x"`, `# include <x>`.
bool ParseCppInclude(absl::string_view line, std::string* path) {
  line = SkipSpace(line);
  if (!ConsumeWord(line, "#")) return false;
  line = SkipSpace(line);
  if (!ConsumeWord(line, "include")) return false;
  return ReadDelimited(SkipSpace(line), path);
}

// `import "x";`, `import public "x";`, `import weak "x";`.
bool ParseProtoImport(absl::string_view line, std::string* path) {
  line = SkipSpace(line);
  if (!ConsumeWord(line, "import")) return false;
  line = SkipSpace(line);
  if (ConsumeWord(line, "public") || ConsumeWord(line, "weak")) line = SkipSpace(line);
  return !line.empty() && line.front() == '"' && ReadDelimited(line, path);
}

std::vector<IncludeLine> ParseIncludes(const SourceFile& file) {
  const bool proto = absl::EndsWith(file.path, ".proto");
  std::vector<IncludeLine> includes;
  std::istringstream in(file.text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string path;
    if (proto ? ParseProtoImport(line, &path) : ParseCppInclude(line, &path)) {
      includes.push_back({number, std::move(path)});
    }
  }
  return includes;
}

// "torch/*" (prefix), "*.grpc.pb.h" (suffix), otherwise exact.
bool Matches(absl::string_view pattern, absl::string_view path) {
  if (absl::EndsWith(pattern, "*"))
    return absl::StartsWith(path, pattern.substr(0, pattern.size() - 1));
  if (absl::StartsWith(pattern, "*")) return absl::EndsWith(path, pattern.substr(1));
  return path == pattern;
}

bool MatchesAny(const std::vector<std::string>& patterns, absl::string_view path) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return Matches(p, path); });
}

bool IsUnder(const std::vector<std::string>& prefixes, absl::string_view path) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return absl::StartsWith(path, p); });
}

std::string TopLevelFolder(absl::string_view path) {
  const size_t slash = path.find('/');
  return slash == absl::string_view::npos ? "" : std::string(path.substr(0, slash));
}

std::string Directory(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
}

// Checks one file's own includes against the folder table and the include rules.
class FileChecker {
 public:
  FileChecker(const LayeringRules& rules, const std::set<std::string>& all_paths,
              std::vector<Violation>* out)
      : rules_(rules), all_paths_(all_paths), out_(out) {}

  void Check(const std::string& path, const std::vector<IncludeLine>& includes) {
    const FolderRule* folder = CheckFolder(path);
    for (const IncludeLine& include : includes) {
      CheckRelative(path, include);
      if (folder != nullptr) CheckDependency(path, *folder, include);
      for (const IncludeRule& rule : rules_.includes) CheckIncludeRule(path, rule, include);
    }
  }

 private:
  const FolderRule* FindFolder(absl::string_view name) const {
    for (const FolderRule& f : rules_.folders) {
      if (f.folder == name) return &f;
    }
    return nullptr;
  }

  // The folder that owns an included path, or "" for a library include.
  std::string OwnerOf(absl::string_view include) const {
    for (const auto& [prefix, owner] : rules_.generated_code) {
      if (absl::StartsWith(include, prefix)) return owner;
    }
    const std::string top = TopLevelFolder(include);
    return FindFolder(top) != nullptr ? top : "";
  }

  // The file's folder rule, or nullptr (after reporting) when the file may not live where it does.
  const FolderRule* CheckFolder(const std::string& path) {
    const FolderRule* folder = FindFolder(TopLevelFolder(path));
    if (folder == nullptr) {
      Add(path, 0, "", "unknown-folder",
          "source file outside the layering table; add its top-level folder to the table in "
          "tests/layering_test.cc (and to ARCHITECTURE.md)");
      return nullptr;
    }
    if (!folder->holds_code) {
      Add(path, 0, "", "no-code", absl::StrCat(folder->folder, "/ holds no C++ or proto sources"));
      return nullptr;
    }
    return folder;
  }

  void CheckRelative(const std::string& path, const IncludeLine& include) {
    const bool dotted = absl::StartsWith(include.path, "./") ||
                        absl::StartsWith(include.path, "../") ||
                        absl::StrContains(include.path, "/../");
    const bool beside =
        OwnerOf(include.path).empty() && all_paths_.count(Directory(path) + include.path) > 0;
    if (dotted || beside) {
      Add(path, include.line, include.path, "relative-include",
          "write project includes as paths from the repository root");
    }
  }

  void CheckDependency(const std::string& path, const FolderRule& folder,
                       const IncludeLine& include) {
    const std::string owner = OwnerOf(include.path);
    if (owner.empty() || owner == folder.folder) return;
    const auto& allowed = folder.may_include;
    if (std::find(allowed.begin(), allowed.end(), owner) != allowed.end()) return;
    if (std::find(allowed.begin(), allowed.end(), kAnyFolder) != allowed.end()) return;
    const std::string may =
        allowed.empty() ? "no other folder" : absl::StrCat(absl::StrJoin(allowed, ", "), " only");
    Add(path, include.line, include.path, "folders",
        absl::StrCat(folder.folder, "/ may depend on ", may, ", not ", owner, "/"));
  }

  void CheckIncludeRule(const std::string& path, const IncludeRule& rule,
                        const IncludeLine& include) {
    if (!MatchesAny(rule.includes, include.path)) return;
    const bool outside_only = !rule.only_under.empty() && !IsUnder(rule.only_under, path);
    if (outside_only || IsUnder(rule.never_under, path)) {
      Add(path, include.line, include.path, rule.name, rule.reason);
    }
  }

  void Add(const std::string& path, int line, const std::string& include, const std::string& rule,
           const std::string& message) {
    out_->push_back({path, line, include, rule, message});
  }

  const LayeringRules& rules_;
  const std::set<std::string>& all_paths_;
  std::vector<Violation>* out_;
};

// Who first exposes a header of the rule's folder to the outside: the outside includer and the
// chain of folder headers between it and the header.
struct Exposure {
  std::string includer;
  std::vector<std::string> via;
};

std::map<std::string, Exposure> FindExposedHeaders(const ExposedHeaderRule& rule,
                                                   const IncludeMap& includes) {
  auto is_folder_header = [&](const std::string& p) {
    return absl::StartsWith(p, rule.folder) && absl::EndsWith(p, ".h") && includes.count(p) > 0;
  };
  std::map<std::string, Exposure> exposed;
  std::vector<std::string> queue;
  for (const auto& [path, lines] : includes) {
    if (absl::StartsWith(path, rule.folder) || IsUnder(rule.exempt_includers, path)) continue;
    for (const IncludeLine& include : lines) {
      if (is_folder_header(include.path) &&
          exposed.emplace(include.path, Exposure{path, {}}).second) {
        queue.push_back(include.path);
      }
    }
  }
  while (!queue.empty()) {
    const std::string header = queue.back();
    queue.pop_back();
    for (const IncludeLine& include : includes.at(header)) {
      if (!is_folder_header(include.path) || exposed.count(include.path) > 0) continue;
      Exposure next = exposed.at(header);
      next.via.push_back(header);
      exposed.emplace(include.path, std::move(next));
      queue.push_back(include.path);
    }
  }
  return exposed;
}

void CheckExposedHeaders(const ExposedHeaderRule& rule, const IncludeMap& includes,
                         std::vector<Violation>* out) {
  for (const auto& [header, exposure] : FindExposedHeaders(rule, includes)) {
    for (const IncludeLine& include : includes.at(header)) {
      if (!MatchesAny(rule.forbidden, include.path)) continue;
      std::string where = absl::StrCat(header, " is included from ", exposure.includer);
      if (!exposure.via.empty())
        absl::StrAppend(&where, " via ", absl::StrJoin(exposure.via, ", "));
      out->push_back({header, include.line, include.path, rule.name,
                      absl::StrCat(rule.reason, " (", where, ")")});
    }
  }
}

}  // namespace

std::string Violation::ToString() const {
  if (include.empty()) return absl::StrCat(path, ": ", message);
  return absl::StrCat(path, ":", line, ": \"", include, "\" — ", message);
}

std::vector<Violation> CheckIncludes(const std::vector<SourceFile>& files,
                                     const LayeringRules& rules) {
  IncludeMap includes;
  std::set<std::string> all_paths;
  for (const SourceFile& file : files) {
    if (!IsSource(file.path)) continue;
    includes[file.path] = ParseIncludes(file);
    all_paths.insert(file.path);
  }
  std::vector<Violation> violations;
  FileChecker checker(rules, all_paths, &violations);
  for (const auto& [path, lines] : includes) checker.Check(path, lines);
  for (const ExposedHeaderRule& rule : rules.exposed_headers) {
    CheckExposedHeaders(rule, includes, &violations);
  }
  std::stable_sort(violations.begin(), violations.end(),
                   [](const Violation& a, const Violation& b) {
                     return std::tie(a.path, a.line) < std::tie(b.path, b.line);
                   });
  return violations;
}

absl::StatusOr<std::vector<SourceFile>> ReadSourceTree(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::NotFoundError(absl::StrCat("source tree: ", root, " is not a directory"));
  }
  std::vector<SourceFile> files;
  fs::recursive_directory_iterator it(root, error), end;
  for (; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(error)) {
      if (absl::StartsWith(name, ".") || (it.depth() == 0 && absl::StartsWith(name, "build"))) {
        it.disable_recursion_pending();
      }
      continue;
    }
    const std::string path = it->path().lexically_relative(root).generic_string();
    if (!it->is_regular_file(error) || !IsSource(path)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in.is_open()) return absl::InternalError(absl::StrCat("source tree: cannot read ", path));
    std::ostringstream text;
    text << in.rdbuf();
    files.push_back({path, text.str()});
  }
  if (error) {
    return absl::InternalError(absl::StrCat("source tree: walking ", root, ": ", error.message()));
  }
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace depthlab::tests
