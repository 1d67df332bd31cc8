#include "worker/engine/bpe_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "unicode/bytestream.h"
#include "unicode/normalizer2.h"
#include "unicode/stringpiece.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace depthlab::engine {

// The parsed tokenizer.json.
struct BpeModel {
  // One step of the pre-tokenizer: a Split, or the ByteLevel step (optional prefix space, then
  // GPT-2 splitting when it uses its regex).
  struct PreTokenizerStep {
    bool byte_level = false;
    SplitPattern pattern = SplitPattern::kGpt2;  // used by Split, and by ByteLevel if use_regex
    bool use_regex = true;                       // ByteLevel only
    bool add_prefix_space = false;               // ByteLevel only
  };
  struct AddedToken {
    int32_t id = 0;
    std::string content;
    bool special = false;
  };
  struct Merge {
    int32_t rank = 0;
    int32_t result = 0;  // the id of the merged token
  };

  // Fills pieces, added_index, added_by_first_byte and byte_ids from the parsed fields.
  void BuildTables();
  // An added token's id, else the model.vocab id of `token`.
  std::optional<int32_t> TokenId(const std::string& token) const;
  // The added token that starts `text` (longest first), if any. REQUIRES: !text.empty().
  const AddedToken* MatchAddedToken(std::string_view text) const;
  // Appends the ids of a text segment that holds no added token.
  absl::Status EncodeOrdinary(std::string_view text, std::vector<int32_t>* ids) const;
  absl::Status EncodeWord(std::string_view word, std::vector<int32_t>* ids) const;
  // Applies merges by rank (lowest first, leftmost on ties) to a word's symbol ids.
  std::vector<int32_t> MergeSymbols(std::vector<int32_t> symbols) const;
  std::optional<Merge> FindMerge(int32_t left, int32_t right) const;

  std::unordered_map<std::string, int32_t> vocab;  // model.vocab
  std::unordered_map<uint64_t, Merge> merges;      // key: left id << 32 | right id
  bool ignore_merges = false;
  std::optional<int32_t> unk_id;
  std::vector<AddedToken> added_tokens;
  std::vector<PreTokenizerStep> pre_tokenizer;
  bool nfc = false;
  // The special tokens that start / end the post_processor's `single` template, if any.
  std::optional<std::string> template_bos;
  std::optional<std::string> template_eos;

  std::vector<std::string> pieces;                        // by id; "" for unused ids
  std::unordered_map<int32_t, int> added_index;           // id -> index into added_tokens
  std::array<std::vector<int>, 256> added_by_first_byte;  // indices, longest content first
  std::array<std::optional<int32_t>, 256> byte_ids;       // the id of each byte's one-char token
};

namespace {

using json = nlohmann::json;
using Step = BpeModel::PreTokenizerStep;

// The Split regexes as they appear in tokenizer.json (after JSON unescaping).
constexpr std::string_view kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// ---- GPT-2 byte <-> printable character mapping ------------------------------------------------

constexpr int kMappedLimit = 324;  // every mapped code point is below 256 + 68

struct ByteLevelTables {
  std::array<std::string, 256> byte_to_chars;      // UTF-8 of the character standing for each byte
  std::array<int16_t, kMappedLimit> char_to_byte;  // -1 where no byte maps
};

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest map to 256+n.
const ByteLevelTables& Tables() {
  static const ByteLevelTables* const tables = [] {
    auto* t = new ByteLevelTables;
    t->char_to_byte.fill(-1);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const UChar32 c = printable ? b : next++;
      char buf[U8_MAX_LENGTH];
      int32_t len = 0;
      U8_APPEND_UNSAFE(buf, len, c);
      t->byte_to_chars[b].assign(buf, len);
      t->char_to_byte[c] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return *tables;
}

std::string ByteLevelEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) out += Tables().byte_to_chars[b];
  return out;
}

void AppendByteLevelDecoded(std::string_view piece, std::string* out) {
  const auto* s = reinterpret_cast<const uint8_t*>(piece.data());
  const auto length = static_cast<int32_t>(piece.size());
  for (int32_t i = 0; i < length;) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c >= 0 && c < kMappedLimit && Tables().char_to_byte[c] >= 0) {
      out->push_back(static_cast<char>(Tables().char_to_byte[c]));
    } else {
      out->append(piece.substr(begin, i - begin));  // not a byte-level character: keep as is
    }
  }
}

std::string NormalizeNfc(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (U_FAILURE(status) || (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status))) {
    return std::string(text);
  }
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  status = U_ZERO_ERROR;
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  return U_SUCCESS(status) ? out : std::string(text);
}

// ---- tokenizer.json parsing ------------------------------------------------------------------

absl::Status Invalid(const std::string& source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

// The member `key` of `obj`, or nullptr when obj is not an object, lacks it or holds null.
const json* Field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

absl::StatusOr<bool> BoolField(const json& obj, const char* key, bool fallback,
                               const std::string& source, absl::string_view where) {
  const json* value = Field(obj, key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return Invalid(source, absl::StrCat(where, key, " is not a boolean"));
  return value->get<bool>();
}

absl::StatusOr<std::string> StringField(const json& obj, const char* key, const std::string& source,
                                        absl::string_view where) {
  const json* value = Field(obj, key);
  if (value == nullptr || !value->is_string()) {
    return Invalid(source, absl::StrCat(where, key, " is missing or not a string"));
  }
  return value->get<std::string>();
}

bool IsInt32(const json& value) {
  return value.is_number_integer() && value.get<int64_t>() >= 0 &&
         value.get<int64_t>() <= std::numeric_limits<int32_t>::max();
}

absl::StatusOr<std::unordered_map<std::string, int32_t>> ParseVocab(const json& model,
                                                                    const std::string& source) {
  const json* vocab = Field(model, "vocab");
  if (vocab == nullptr || !vocab->is_object()) {
    return Invalid(source, "model.vocab is missing or not an object (expected token -> id)");
  }
  std::unordered_map<std::string, int32_t> out;
  out.reserve(vocab->size());
  for (const auto& item : vocab->items()) {
    if (!IsInt32(item.value())) {
      return Invalid(source, absl::StrCat("model.vocab[\"", item.key(),
                                          "\"] is not a non-negative 32-bit integer id"));
    }
    out.emplace(item.key(), item.value().get<int32_t>());
  }
  return out;
}

// A merge written "a b" or ["a", "b"].
absl::StatusOr<std::pair<std::string, std::string>> ParseMergePair(const json& merge, size_t index,
                                                                   const std::string& source) {
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
    return std::make_pair(merge[0].get<std::string>(), merge[1].get<std::string>());
  }
  if (merge.is_string()) {
    const std::string s = merge.get<std::string>();
    const size_t space = s.find(' ');
    if (space != std::string::npos && s.find(' ', space + 1) == std::string::npos) {
      return std::make_pair(s.substr(0, space), s.substr(space + 1));
    }
  }
  return Invalid(source,
                 absl::StrCat("model.merges[", index, "] is neither \"a b\" nor [\"a\", \"b\"]"));
}

absl::StatusOr<std::unordered_map<uint64_t, BpeModel::Merge>> ParseMerges(
    const json& model, const std::unordered_map<std::string, int32_t>& vocab,
    const std::string& source) {
  std::unordered_map<uint64_t, BpeModel::Merge> out;
  const json* merges = Field(model, "merges");
  if (merges == nullptr) return out;
  if (!merges->is_array()) return Invalid(source, "model.merges is not an array");
  auto id_of = [&](const std::string& token, size_t index) -> absl::StatusOr<int32_t> {
    const auto it = vocab.find(token);
    if (it != vocab.end()) return it->second;
    return Invalid(source, absl::StrCat("model.merges[", index, "] names \"", token,
                                        "\", which is not in model.vocab"));
  };
  out.reserve(merges->size());
  for (size_t i = 0; i < merges->size(); ++i) {
    DEPTHLAB_ASSIGN_OR_RETURN(auto pair, ParseMergePair((*merges)[i], i, source));
    DEPTHLAB_ASSIGN_OR_RETURN(const int32_t left, id_of(pair.first, i));
    DEPTHLAB_ASSIGN_OR_RETURN(const int32_t right, id_of(pair.second, i));
    DEPTHLAB_ASSIGN_OR_RETURN(const int32_t result, id_of(pair.first + pair.second, i));
    const uint64_t key = static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right);
    out[key] = BpeModel::Merge{static_cast<int32_t>(i), result};  // a later duplicate wins
  }
  return out;
}

absl::StatusOr<std::vector<BpeModel::AddedToken>> ParseAddedTokens(const json& root,
                                                                   const std::string& source) {
  std::vector<BpeModel::AddedToken> out;
  const json* added = Field(root, "added_tokens");
  if (added == nullptr) return out;
  if (!added->is_array()) return Invalid(source, "added_tokens is not an array");
  for (size_t i = 0; i < added->size(); ++i) {
    const json& token = (*added)[i];
    const std::string where = absl::StrCat("added_tokens[", i, "].");
    const json* id = Field(token, "id");
    if (id == nullptr || !IsInt32(*id)) {
      return Invalid(source, absl::StrCat(where, "id is missing or not a non-negative integer"));
    }
    DEPTHLAB_ASSIGN_OR_RETURN(std::string content, StringField(token, "content", source, where));
    if (content.empty()) return Invalid(source, absl::StrCat(where, "content is empty"));
    DEPTHLAB_ASSIGN_OR_RETURN(const bool special,
                              BoolField(token, "special", false, source, where));
    out.push_back({id->get<int32_t>(), std::move(content), special});
  }
  return out;
}

// True for an NFC normalizer, false for none; other normalizers are not supported.
absl::StatusOr<bool> ParseNormalizer(const json& root, const std::string& source) {
  const json* normalizer = Field(root, "normalizer");
  if (normalizer == nullptr) return false;
  const json* type = Field(*normalizer, "type");
  if (type != nullptr && *type == "NFC") return true;
  const json* list = Field(*normalizer, "normalizers");
  if (type != nullptr && *type == "Sequence" && list != nullptr && list->is_array()) {
    bool nfc = false;
    for (const json& item : *list) {
      const json* item_type = Field(item, "type");
      if (item_type == nullptr || *item_type != "NFC") {
        return Invalid(source, "normalizer: only NFC normalizers are supported");
      }
      nfc = true;
    }
    return nfc;
  }
  return Invalid(source, "normalizer: only null or NFC is supported");
}

absl::StatusOr<SplitPattern> PatternOf(const json& split, const std::string& source,
                                       const std::string& where) {
  const json* pattern = Field(split, "pattern");
  const json* regex = pattern == nullptr ? nullptr : Field(*pattern, "Regex");
  if (regex == nullptr || !regex->is_string()) {
    return Invalid(source, absl::StrCat(where, "pattern is not {\"Regex\": ...}"));
  }
  const std::string text = regex->get<std::string>();
  if (text == kLlama3Regex) return SplitPattern::kLlama3;
  if (text == kQwen2Regex) return SplitPattern::kQwen2;
  if (text == kGpt2Regex) return SplitPattern::kGpt2;
  return Invalid(source, absl::StrCat(where, "pattern ", text,
                                      " is not supported (supported: the GPT-2, LLaMA-3 and "
                                      "Qwen2 pre-tokenizer regexes)"));
}

absl::StatusOr<Step> ParseSplit(const json& split, const std::string& source,
                                const std::string& where) {
  Step step;
  DEPTHLAB_ASSIGN_OR_RETURN(step.pattern, PatternOf(split, source, where));
  const json* behavior = Field(split, "behavior");
  if (behavior != nullptr && *behavior != "Isolated") {
    return Invalid(source, absl::StrCat(where, "behavior ", behavior->dump(),
                                        " is not supported (expected \"Isolated\")"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const bool invert, BoolField(split, "invert", false, source, where));
  if (invert) return Invalid(source, absl::StrCat(where, "invert true is not supported"));
  return step;
}

absl::StatusOr<Step> ParseStep(const json& pre, const std::string& source,
                               const std::string& where) {
  const json* type = Field(pre, "type");
  if (type != nullptr && *type == "Split") return ParseSplit(pre, source, where);
  if (type == nullptr || *type != "ByteLevel") {
    return Invalid(source, absl::StrCat(where, "type ", type == nullptr ? "null" : type->dump(),
                                        " is not supported (expected ByteLevel, or a Sequence of "
                                        "Split steps and a final ByteLevel)"));
  }
  Step step;
  step.byte_level = true;
  DEPTHLAB_ASSIGN_OR_RETURN(step.use_regex, BoolField(pre, "use_regex", true, source, where));
  DEPTHLAB_ASSIGN_OR_RETURN(step.add_prefix_space,
                            BoolField(pre, "add_prefix_space", false, source, where));
  return step;
}

absl::StatusOr<std::vector<Step>> ParsePreTokenizer(const json& root, const std::string& source) {
  const json* pre = Field(root, "pre_tokenizer");
  if (pre == nullptr) {
    return Invalid(source,
                   "pre_tokenizer is null (only byte-level BPE with a ByteLevel "
                   "pre-tokenizer is supported)");
  }
  std::vector<Step> steps;
  const json* type = Field(*pre, "type");
  const json* list = Field(*pre, "pretokenizers");
  if (type != nullptr && *type == "Sequence" && list != nullptr && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string where = absl::StrCat("pre_tokenizer.pretokenizers[", i, "].");
      DEPTHLAB_ASSIGN_OR_RETURN(Step step, ParseStep((*list)[i], source, where));
      steps.push_back(step);
    }
  } else {
    DEPTHLAB_ASSIGN_OR_RETURN(Step step, ParseStep(*pre, source, "pre_tokenizer."));
    steps.push_back(step);
  }
  const auto byte_level =
      std::count_if(steps.begin(), steps.end(), [](const Step& s) { return s.byte_level; });
  if (byte_level != 1 || !steps.back().byte_level) {
    return Invalid(source, "pre_tokenizer must end with its only ByteLevel step");
  }
  return steps;
}

// The special tokens that start and end the post_processor's `single` template, if any.
struct TemplateSpecials {
  std::optional<std::string> first;
  std::optional<std::string> last;
};

absl::StatusOr<std::optional<std::string>> TemplateSpecialToken(const json& item,
                                                                const std::string& source) {
  const json* special = Field(item, "SpecialToken");
  if (special == nullptr) return std::nullopt;
  DEPTHLAB_ASSIGN_OR_RETURN(
      std::string id, StringField(*special, "id", source, "post_processor.single[].SpecialToken."));
  return id;
}

absl::StatusOr<TemplateSpecials> ParseTemplate(const json& processor, const std::string& source) {
  TemplateSpecials out;
  const json* single = Field(processor, "single");
  if (single == nullptr || !single->is_array() || single->empty()) return out;
  DEPTHLAB_ASSIGN_OR_RETURN(out.first, TemplateSpecialToken(single->front(), source));
  if (single->size() > 1) {
    DEPTHLAB_ASSIGN_OR_RETURN(out.last, TemplateSpecialToken(single->back(), source));
  }
  return out;
}

// post_processor: a TemplateProcessing, or a Sequence holding one; anything else adds nothing.
absl::StatusOr<TemplateSpecials> ParsePostProcessor(const json& root, const std::string& source) {
  const json* processor = Field(root, "post_processor");
  if (processor == nullptr) return TemplateSpecials{};
  const json* type = Field(*processor, "type");
  if (type != nullptr && *type == "TemplateProcessing") return ParseTemplate(*processor, source);
  const json* list = Field(*processor, "processors");
  if (type != nullptr && *type == "Sequence" && list != nullptr && list->is_array()) {
    for (const json& item : *list) {
      const json* item_type = Field(item, "type");
      if (item_type != nullptr && *item_type == "TemplateProcessing") {
        return ParseTemplate(item, source);
      }
    }
  }
  return TemplateSpecials{};
}

// model.type must be BPE (or absent) without word-piece style affixes.
absl::Status CheckModelKind(const json& model, const std::string& source) {
  const json* type = Field(model, "type");
  if (type != nullptr && *type != "BPE") {
    return Invalid(
        source, absl::StrCat("model.type ", type->dump(), " is not supported (expected \"BPE\")"));
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json* affix = Field(model, key);
    if (affix != nullptr && !(affix->is_string() && affix->get<std::string>().empty())) {
      return Invalid(source, absl::StrCat("model.", key, " is not supported"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> ApplyStep(const Step& step, std::vector<std::string> pieces) {
  std::vector<std::string> out;
  for (std::string& piece : pieces) {
    if (step.byte_level && step.add_prefix_space && piece.front() != ' ') piece.insert(0, " ");
    if (step.byte_level && !step.use_regex) {
      out.push_back(std::move(piece));
      continue;
    }
    for (const std::string_view part : SplitPreTokens(piece, step.pattern)) out.emplace_back(part);
  }
  return out;
}

absl::Status ParseModelSection(const json& root, const std::string& source, BpeModel* out) {
  const json* model = Field(root, "model");
  if (model == nullptr || !model->is_object()) return Invalid(source, "model is missing");
  DEPTHLAB_RETURN_IF_ERROR(CheckModelKind(*model, source));
  DEPTHLAB_ASSIGN_OR_RETURN(out->vocab, ParseVocab(*model, source));
  DEPTHLAB_ASSIGN_OR_RETURN(out->merges, ParseMerges(*model, out->vocab, source));
  DEPTHLAB_ASSIGN_OR_RETURN(out->ignore_merges,
                            BoolField(*model, "ignore_merges", false, source, "model."));
  const json* unk = Field(*model, "unk_token");
  if (unk != nullptr && unk->is_string() && out->vocab.count(unk->get<std::string>()) > 0) {
    out->unk_id = out->vocab.at(unk->get<std::string>());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BpeModel>> ParseTokenizerJson(std::string_view text,
                                                             const std::string& source) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Invalid(source, "not a JSON object (expected a Hugging Face tokenizer.json)");
  }
  auto model = std::make_unique<BpeModel>();
  DEPTHLAB_RETURN_IF_ERROR(ParseModelSection(root, source, model.get()));
  DEPTHLAB_ASSIGN_OR_RETURN(model->added_tokens, ParseAddedTokens(root, source));
  DEPTHLAB_ASSIGN_OR_RETURN(model->nfc, ParseNormalizer(root, source));
  DEPTHLAB_ASSIGN_OR_RETURN(model->pre_tokenizer, ParsePreTokenizer(root, source));
  DEPTHLAB_ASSIGN_OR_RETURN(const TemplateSpecials specials, ParsePostProcessor(root, source));
  model->template_bos = specials.first;
  model->template_eos = specials.last;
  model->BuildTables();
  return model;
}

}  // namespace

// ---- BpeModel: encoding -----------------------------------------------------------------------

void BpeModel::BuildTables() {
  int32_t size = 0;
  for (const auto& [token, id] : vocab) size = std::max(size, id + 1);
  for (const AddedToken& token : added_tokens) size = std::max(size, token.id + 1);
  pieces.assign(size, "");
  for (const auto& [token, id] : vocab) pieces[id] = token;
  for (int i = 0; i < static_cast<int>(added_tokens.size()); ++i) {
    const AddedToken& token = added_tokens[i];
    pieces[token.id] = token.content;
    added_index[token.id] = i;
    added_by_first_byte[static_cast<unsigned char>(token.content[0])].push_back(i);
  }
  for (std::vector<int>& candidates : added_by_first_byte) {
    std::stable_sort(candidates.begin(), candidates.end(), [this](int a, int b) {
      return added_tokens[a].content.size() > added_tokens[b].content.size();
    });
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = vocab.find(Tables().byte_to_chars[b]);
    if (it != vocab.end()) byte_ids[b] = it->second;
  }
}

std::optional<int32_t> BpeModel::TokenId(const std::string& token) const {
  for (const AddedToken& added : added_tokens) {
    if (added.content == token) return added.id;
  }
  const auto it = vocab.find(token);
  if (it == vocab.end()) return std::nullopt;
  return it->second;
}

const BpeModel::AddedToken* BpeModel::MatchAddedToken(std::string_view text) const {
  for (const int index : added_by_first_byte[static_cast<unsigned char>(text[0])]) {
    const AddedToken& token = added_tokens[index];
    if (text.substr(0, token.content.size()) == token.content) return &token;
  }
  return nullptr;
}

absl::Status BpeModel::EncodeOrdinary(std::string_view text, std::vector<int32_t>* ids) const {
  if (text.empty()) return absl::OkStatus();
  std::vector<std::string> words{nfc ? NormalizeNfc(text) : std::string(text)};
  for (const Step& step : pre_tokenizer) words = ApplyStep(step, std::move(words));
  for (const std::string& word : words) DEPTHLAB_RETURN_IF_ERROR(EncodeWord(word, ids));
  return absl::OkStatus();
}

absl::Status BpeModel::EncodeWord(std::string_view word, std::vector<int32_t>* ids) const {
  if (ignore_merges) {
    const auto it = vocab.find(ByteLevelEncode(word));
    if (it != vocab.end()) {
      ids->push_back(it->second);
      return absl::OkStatus();
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  for (const unsigned char b : word) {
    const std::optional<int32_t> id = byte_ids[b] ? byte_ids[b] : unk_id;
    if (!id) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "byte 0x%02x has no token in the vocabulary and there is no unk_token", b));
    }
    symbols.push_back(*id);
  }
  const std::vector<int32_t> merged = MergeSymbols(std::move(symbols));
  ids->insert(ids->end(), merged.begin(), merged.end());
  return absl::OkStatus();
}

std::optional<BpeModel::Merge> BpeModel::FindMerge(int32_t left, int32_t right) const {
  const auto it = merges.find(static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right));
  if (it == merges.end()) return std::nullopt;
  return it->second;
}

std::vector<int32_t> BpeModel::MergeSymbols(std::vector<int32_t> symbols) const {
  // A linked list over the symbols and a heap of candidate (rank, left position) pairs; entries
  // whose pair has changed since they were pushed are skipped when popped.
  const int n = static_cast<int>(symbols.size());
  std::vector<int> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (int i = 0; i < n; ++i) prev[i] = i - 1, next[i] = i + 1;
  using Candidate = std::pair<int32_t, int>;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int left) {
    if (left < 0 || next[left] >= n) return;
    const std::optional<Merge> merge = FindMerge(symbols[left], symbols[next[left]]);
    if (merge) heap.push({merge->rank, left});
  };
  for (int i = 0; i < n; ++i) push(i);
  while (!heap.empty()) {
    const auto [rank, left] = heap.top();
    heap.pop();
    if (!alive[left] || next[left] >= n) continue;
    const int right = next[left];
    const std::optional<Merge> merge = FindMerge(symbols[left], symbols[right]);
    if (!merge || merge->rank != rank) continue;
    symbols[left] = merge->result;
    alive[right] = false;
    next[left] = next[right];
    if (next[right] < n) prev[next[right]] = left;
    push(prev[left]);
    push(left);
  }
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) out.push_back(symbols[i]);
  }
  return out;
}

// ---- BpeTokenizer -----------------------------------------------------------------------------

BpeTokenizer::BpeTokenizer(std::unique_ptr<const BpeModel> model) : model_(std::move(model)) {}

BpeTokenizer::~BpeTokenizer() = default;

absl::StatusOr<std::unique_ptr<BpeTokenizer>> BpeTokenizer::FromJson(
    std::string_view tokenizer_json, const Options& options) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<BpeModel> model,
                            ParseTokenizerJson(tokenizer_json, options.source));
  std::unique_ptr<BpeTokenizer> tokenizer(new BpeTokenizer(std::move(model)));
  DEPTHLAB_RETURN_IF_ERROR(tokenizer->ApplyOptions(options));
  return tokenizer;
}

absl::StatusOr<std::optional<int32_t>> BpeTokenizer::ResolveSpecial(
    const char* field, const std::optional<std::string>& configured,
    const std::optional<std::string>& from_template, const Options& options) const {
  if (configured) {
    const std::optional<int32_t> id = model_->TokenId(*configured);
    if (id) return id;
    return Invalid(options.config_source, absl::StrCat(field, " \"", *configured,
                                                       "\" is neither an added token nor in "
                                                       "model.vocab of ",
                                                       options.source));
  }
  if (!from_template) return std::nullopt;
  const std::optional<int32_t> id = model_->TokenId(*from_template);
  if (id) return id;
  return Invalid(options.source, absl::StrCat("post_processor special token \"", *from_template,
                                              "\" is neither an added token nor in model.vocab"));
}

absl::Status BpeTokenizer::ApplyOptions(const Options& options) {
  const std::optional<std::string>& template_bos = model_->template_bos;
  const std::optional<std::string>& template_eos = model_->template_eos;
  DEPTHLAB_ASSIGN_OR_RETURN(bos_id_,
                            ResolveSpecial("bos_token", options.bos_token, template_bos, options));
  DEPTHLAB_ASSIGN_OR_RETURN(eos_id_,
                            ResolveSpecial("eos_token", options.eos_token, template_eos, options));
  add_bos_ = options.add_bos_token.value_or(template_bos.has_value());
  add_eos_ = options.add_eos_token.value_or(template_eos.has_value());
  if (add_bos_ && !bos_id_) {
    return Invalid(options.config_source, "add_bos_token is true but there is no bos_token");
  }
  if (add_eos_ && !eos_id_) {
    return Invalid(options.config_source, "add_eos_token is true but there is no eos_token");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> BpeTokenizer::Encode(std::string_view text,
                                                          bool add_special) const {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError("text to encode is longer than 2 GiB");
  }
  std::vector<int32_t> ids;
  if (add_special && add_bos_) ids.push_back(*bos_id_);
  size_t segment_start = 0;
  for (size_t i = 0; i < text.size();) {
    const BpeModel::AddedToken* token = model_->MatchAddedToken(text.substr(i));
    if (token == nullptr) {
      ++i;
      continue;
    }
    DEPTHLAB_RETURN_IF_ERROR(
        model_->EncodeOrdinary(text.substr(segment_start, i - segment_start), &ids));
    ids.push_back(token->id);
    i += token->content.size();
    segment_start = i;
  }
  DEPTHLAB_RETURN_IF_ERROR(model_->EncodeOrdinary(text.substr(segment_start), &ids));
  if (add_special && add_eos_) ids.push_back(*eos_id_);
  return ids;
}

std::string BpeTokenizer::Decode(absl::Span<const int32_t> ids) const {
  std::string text;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size() || id == bos_id_ || id == eos_id_) continue;
    const auto added = model_->added_index.find(id);
    if (added == model_->added_index.end()) {
      AppendByteLevelDecoded(model_->pieces[id], &text);
    } else if (!model_->added_tokens[added->second].special) {
      text += model_->added_tokens[added->second].content;
    }
  }
  return text;
}

int32_t BpeTokenizer::vocab_size() const { return static_cast<int32_t>(model_->pieces.size()); }

std::string BpeTokenizer::IdToPiece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return "";
  return model_->pieces[id];
}

}  // namespace depthlab::engine
