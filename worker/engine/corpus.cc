#include "worker/engine/corpus.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::engine {
namespace {

bool LooksLikeJsonl(const std::string& path, const std::string& text) {
  auto ends_with = [&](const std::string& suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".jsonl") || ends_with(".json")) return true;
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{';
}

absl::StatusOr<std::vector<std::string>> ParseJsonl(const std::string& path,
                                                    const std::string& text) {
  std::vector<std::string> docs;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": not a JSON object (expected {\"text\": ...})"));
    }
    auto it = j.find("text");
    if (it == j.end() || !it->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": missing string field \"text\""));
    }
    docs.push_back(it->get<std::string>());
  }
  return docs;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> LoadDocuments(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> docs;
  if (LooksLikeJsonl(path, text)) {
    DEPTHLAB_ASSIGN_OR_RETURN(docs, ParseJsonl(path, text));
  } else if (!text.empty()) {
    docs.push_back(text);
  }
  if (docs.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no documents"));
  return docs;
}

absl::StatusOr<TokenSequences> PackSequences(const Tokenizer& tokenizer,
                                             const std::vector<std::string>& documents, int seq_len,
                                             int max_sequences) {
  if (seq_len < 2) return absl::InvalidArgumentError("seq_len: must be at least 2");
  TokenSequences out;
  std::vector<int32_t> current;
  for (const std::string& doc : documents) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                              tokenizer.Encode(doc, /*add_special=*/true));
    for (int32_t id : ids) {
      current.push_back(id);
      if (static_cast<int>(current.size()) == seq_len) {
        out.push_back(std::move(current));
        current.clear();
        if (max_sequences > 0 && static_cast<int>(out.size()) == max_sequences) return out;
      }
    }
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the corpus has fewer than ", seq_len,
                                                   " tokens; use a shorter sequence length"));
  }
  return out;
}

}  // namespace depthlab::engine
