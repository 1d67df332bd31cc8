#include "worker/engine/tokenizer.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "worker/engine/bpe_tokenizer.h"
#include "worker/engine/sentencepiece_tokenizer.h"

namespace depthlab::engine {
namespace {

using json = nlohmann::json;

// The tokenizer_config.json fields that decide BOS/EOS; unset when absent or null there.
struct TokenizerConfig {
  std::string path;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read failed"));
  return std::move(content).str();
}

bool IsFile(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

absl::StatusOr<std::optional<bool>> OptionalBool(const json& config, const char* key,
                                                 const std::string& path) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", key, " must be true, false or null"));
  }
  return it->get<bool>();
}

// A token written as a string or as an AddedToken object {"content": ...}; "" counts as unset.
absl::StatusOr<std::optional<std::string>> OptionalToken(const json& config, const char* key,
                                                         const std::string& path) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  const json* token = &*it;
  if (token->is_object()) {
    const auto content = token->find("content");
    token = content == token->end() ? nullptr : &*content;
  }
  if (token == nullptr || !token->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", key, " must be a string, an object with a \"content\" string, or null"));
  }
  std::string text = token->get<std::string>();
  if (text.empty()) return std::nullopt;
  return text;
}

// An absent tokenizer_config.json leaves every field unset.
absl::StatusOr<TokenizerConfig> ReadTokenizerConfig(const std::string& dir) {
  TokenizerConfig config;
  config.path = (std::filesystem::path(dir) / "tokenizer_config.json").string();
  if (!IsFile(config.path)) return config;
  DEPTHLAB_ASSIGN_OR_RETURN(const std::string text, ReadFile(config.path));
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(config.path, ": not a JSON object"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(config.add_bos_token, OptionalBool(root, "add_bos_token", config.path));
  DEPTHLAB_ASSIGN_OR_RETURN(config.add_eos_token, OptionalBool(root, "add_eos_token", config.path));
  DEPTHLAB_ASSIGN_OR_RETURN(config.bos_token, OptionalToken(root, "bos_token", config.path));
  DEPTHLAB_ASSIGN_OR_RETURN(config.eos_token, OptionalToken(root, "eos_token", config.path));
  return config;
}

// Fills the tokenizer_config.json fields that both tokenizers' Options share.
template <typename Options>
Options MakeOptions(const std::string& source, const TokenizerConfig& config) {
  Options options;
  options.source = source;
  options.add_bos_token = config.add_bos_token;
  options.add_eos_token = config.add_eos_token;
  options.bos_token = config.bos_token;
  options.eos_token = config.eos_token;
  options.config_source = config.path;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromDirectory(const std::string& dir) {
  const std::filesystem::path root(dir);
  const std::string model_path = (root / "tokenizer.model").string();
  const std::string json_path = (root / "tokenizer.json").string();
  const bool has_model = IsFile(model_path);
  if (!has_model && !IsFile(json_path)) {
    return absl::NotFoundError(absl::StrCat(dir,
                                            ": no tokenizer.model or tokenizer.json "
                                            "(expected a Hugging Face model directory)"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const TokenizerConfig config, ReadTokenizerConfig(dir));
  if (has_model) {
    DEPTHLAB_ASSIGN_OR_RETURN(const std::string proto, ReadFile(model_path));
    return SentencePieceTokenizer::FromSerializedProto(
        proto, MakeOptions<SentencePieceTokenizer::Options>(model_path, config));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const std::string text, ReadFile(json_path));
  return BpeTokenizer::FromJson(text, MakeOptions<BpeTokenizer::Options>(json_path, config));
}

}  // namespace depthlab::engine
