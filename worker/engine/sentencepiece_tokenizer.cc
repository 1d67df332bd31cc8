#include "worker/engine/sentencepiece_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "unicode/utf8.h"

namespace depthlab::engine {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";      // U+2581, sentencepiece's "▁"
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// The ModelProto.SentencePiece.Type values.
enum PieceType : int {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6
};
constexpr int kModelTypeBpe = 2;  // TrainerSpec.ModelType

// ---- protobuf wire format -------------------------------------------------------------------

// Reads the fields of one serialized protobuf message. Every method returns false on malformed
// input.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ >= data_.size(); }

  bool Next(uint32_t* field, uint32_t* wire_type) {
    uint64_t tag = 0;
    if (!Varint(&tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    return true;
  }

  bool Varint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      *value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool Bytes(std::string_view* value) {
    uint64_t size = 0;
    if (!Varint(&size) || size > data_.size() - pos_) return false;
    *value = data_.substr(pos_, size);
    pos_ += size;
    return true;
  }

  bool Fixed32(uint32_t* value) {
    if (data_.size() - pos_ < 4) return false;
    std::memcpy(value, data_.data() + pos_, 4);  // little-endian hosts only
    pos_ += 4;
    return true;
  }

  bool Skip(uint32_t wire_type) {
    uint64_t varint = 0;
    uint32_t fixed32 = 0;
    std::string_view bytes;
    switch (wire_type) {
      case 0:
        return Varint(&varint);
      case 1:
        if (data_.size() - pos_ < 8) return false;
        pos_ += 8;
        return true;
      case 2:
        return Bytes(&bytes);
      case 5:
        return Fixed32(&fixed32);
      default:
        return false;  // groups are not used by sentencepiece
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Calls handle(field, wire_type, reader) for each field of `message`; the handler consumes the
// value (reader.Skip for fields it ignores) and returns false on malformed input.
template <typename Handler>
bool ForEachField(std::string_view message, Handler handle) {
  WireReader reader(message);
  while (!reader.done()) {
    uint32_t field = 0;
    uint32_t wire_type = 0;
    if (!reader.Next(&field, &wire_type) || !handle(field, wire_type, reader)) return false;
  }
  return true;
}

bool ReadString(WireReader& r, uint32_t wire_type, std::string* out) {
  std::string_view bytes;
  if (wire_type != 2 || !r.Bytes(&bytes)) return false;
  out->assign(bytes);
  return true;
}

bool ReadInt(WireReader& r, uint32_t wire_type, int* out) {
  uint64_t value = 0;
  if (wire_type != 0 || !r.Varint(&value)) return false;
  *out = static_cast<int>(static_cast<int64_t>(value));
  return true;
}

bool ReadBool(WireReader& r, uint32_t wire_type, bool* out) {
  int value = 0;
  if (!ReadInt(r, wire_type, &value)) return false;
  *out = value != 0;
  return true;
}

bool ReadFloat(WireReader& r, uint32_t wire_type, float* out) {
  uint32_t bits = 0;
  if (wire_type != 5 || !r.Fixed32(&bits)) return false;
  std::memcpy(out, &bits, sizeof(bits));
  return true;
}

// "<0x41>" -> 0x41, as sentencepiece's PieceToByte; -1 for anything else.
int PieceToByte(std::string_view piece) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  const int high = hex(piece[3]);
  const int low = hex(piece[4]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

// Appends `bytes` as UTF-8 text, each malformed byte as U+FFFD (sentencepiece's byte decoding).
void AppendBytesAsText(std::string_view bytes, std::string* out) {
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto length = static_cast<int32_t>(bytes.size());
  for (int32_t i = 0; i < length;) {
    int32_t next = i;
    UChar32 c;
    U8_NEXT(s, next, length, c);
    if (c < 0) {
      out->append(kReplacementChar);
      ++i;
    } else {
      out->append(bytes.substr(i, next - i));
      i = next;
    }
  }
}

void AppendUnescaped(std::string_view piece, std::string* out) {
  for (size_t pos; (pos = piece.find(kSpaceSymbol)) != std::string_view::npos;) {
    out->append(piece.substr(0, pos)).push_back(' ');
    piece.remove_prefix(pos + kSpaceSymbol.size());
  }
  out->append(piece);
}

}  // namespace

// ---- the parsed model -------------------------------------------------------------------------

struct SentencePieceModel {
  struct Piece {
    std::string text;
    float score = 0;
    int type = kNormal;
  };

  std::vector<Piece> pieces;
  // TrainerSpec
  int model_type = 1;  // UNIGRAM unless the file says otherwise
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  std::string unk_surface = " \xE2\x81\x87 ";
  std::string unk_piece = "<unk>";
  std::string bos_piece = "<s>";
  std::string eos_piece = "</s>";
  // NormalizerSpec
  std::string normalizer_name;
  std::string charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
  std::string denormalizer_charsmap;

  // Indexes over `pieces`, built once it is final (the keys view its strings).
  std::unordered_map<std::string_view, int32_t> normal_ids;    // NORMAL, USER_DEFINED, UNUSED
  std::unordered_map<std::string_view, int32_t> reserved_ids;  // CONTROL, UNKNOWN, BYTE
  int32_t unk_id = -1;
  std::array<int32_t, 256> byte_ids{};
  std::array<std::vector<std::string_view>, 256> user_defined;  // by first byte, longest first

  bool Is(int32_t id, PieceType type) const {
    return id >= 0 && id < static_cast<int32_t>(pieces.size()) && pieces[id].type == type;
  }

  int32_t PieceToId(std::string_view piece) const {
    if (const auto it = reserved_ids.find(piece); it != reserved_ids.end()) return it->second;
    if (const auto it = normal_ids.find(piece); it != normal_ids.end()) return it->second;
    return unk_id;
  }

  // The length of the longest user-defined symbol that starts `text`, 0 if none.
  size_t MatchUserDefined(std::string_view text) const {
    for (const std::string_view symbol : user_defined[static_cast<unsigned char>(text[0])]) {
      if (text.substr(0, symbol.size()) == symbol) return symbol.size();
    }
    return 0;
  }
};

namespace {

using Model = SentencePieceModel;

bool ParsePiece(std::string_view message, Model::Piece* piece) {
  return ForEachField(message, [&](uint32_t field, uint32_t wire, WireReader& r) {
    switch (field) {
      case 1:
        return ReadString(r, wire, &piece->text);
      case 2:
        return ReadFloat(r, wire, &piece->score);
      case 3:
        return ReadInt(r, wire, &piece->type);
      default:
        return r.Skip(wire);
    }
  });
}

bool ParseTrainerSpec(std::string_view message, Model* model) {
  return ForEachField(message, [&](uint32_t field, uint32_t wire, WireReader& r) {
    switch (field) {
      case 3:
        return ReadInt(r, wire, &model->model_type);
      case 24:
        return ReadBool(r, wire, &model->treat_whitespace_as_suffix);
      case 35:
        return ReadBool(r, wire, &model->byte_fallback);
      case 44:
        return ReadString(r, wire, &model->unk_surface);
      case 45:
        return ReadString(r, wire, &model->unk_piece);
      case 46:
        return ReadString(r, wire, &model->bos_piece);
      case 47:
        return ReadString(r, wire, &model->eos_piece);
      default:
        return r.Skip(wire);
    }
  });
}

bool ParseNormalizerSpec(std::string_view message, Model* model) {
  return ForEachField(message, [&](uint32_t field, uint32_t wire, WireReader& r) {
    switch (field) {
      case 1:
        return ReadString(r, wire, &model->normalizer_name);
      case 2:
        return ReadString(r, wire, &model->charsmap);
      case 3:
        return ReadBool(r, wire, &model->add_dummy_prefix);
      case 4:
        return ReadBool(r, wire, &model->remove_extra_whitespaces);
      case 5:
        return ReadBool(r, wire, &model->escape_whitespaces);
      default:
        return r.Skip(wire);
    }
  });
}

bool ParseDenormalizerSpec(std::string_view message, Model* model) {
  return ForEachField(message, [&](uint32_t field, uint32_t wire, WireReader& r) {
    return field == 2 ? ReadString(r, wire, &model->denormalizer_charsmap) : r.Skip(wire);
  });
}

bool ParseModelProto(std::string_view proto, Model* model) {
  return ForEachField(proto, [&](uint32_t field, uint32_t wire, WireReader& r) {
    std::string_view message;
    if (field < 1 || field > 5 || field == 4) return r.Skip(wire);
    if (wire != 2 || !r.Bytes(&message)) return false;
    switch (field) {
      case 1:
        return ParsePiece(message, &model->pieces.emplace_back());
      case 2:
        return ParseTrainerSpec(message, model);
      case 3:
        return ParseNormalizerSpec(message, model);
      default:
        return ParseDenormalizerSpec(message, model);
    }
  });
}

absl::Status Invalid(const std::string& source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

absl::Status CheckSupported(const Model& model, const std::string& source) {
  if (model.model_type != kModelTypeBpe) {
    return Invalid(source, absl::StrCat("model type ", model.model_type,
                                        " is not supported (only BPE, as LLaMA-2 and Mistral)"));
  }
  if (!model.charsmap.empty() || !model.denormalizer_charsmap.empty()) {
    return Invalid(source, absl::StrCat("normalizer \"", model.normalizer_name,
                                        "\" uses a precompiled character map, which is not "
                                        "supported (LLaMA-2 and Mistral use \"identity\")"));
  }
  if (model.treat_whitespace_as_suffix) {
    return Invalid(source, "treat_whitespace_as_suffix is not supported");
  }
  return absl::OkStatus();
}

// Builds the indexes and checks the pieces as sentencepiece's ModelInterface does.
absl::Status IndexPieces(Model* model, const std::string& source) {
  std::array<bool, 256> byte_found{};
  for (int32_t id = 0; id < static_cast<int32_t>(model->pieces.size()); ++id) {
    const Model::Piece& piece = model->pieces[id];
    if (piece.text.empty() || piece.text.find('\0') != std::string::npos) {
      return Invalid(source, absl::StrCat("piece ", id, " is empty or holds a NUL byte"));
    }
    const bool normal =
        piece.type == kNormal || piece.type == kUserDefined || piece.type == kUnused;
    auto& index = normal ? model->normal_ids : model->reserved_ids;
    if (!index.emplace(piece.text, id).second) {
      return Invalid(source, absl::StrCat("piece \"", piece.text, "\" is defined twice"));
    }
    if (piece.type == kUserDefined) {
      model->user_defined[static_cast<unsigned char>(piece.text[0])].push_back(piece.text);
    }
    if (piece.type == kUnknown) {
      if (model->unk_id >= 0) return Invalid(source, "more than one unknown piece");
      model->unk_id = id;
    }
    if (piece.type == kByte) {
      const int byte = PieceToByte(piece.text);
      if (!model->byte_fallback || byte < 0) {
        return Invalid(source, absl::StrCat("byte piece \"", piece.text,
                                            "\" is invalid or "
                                            "byte_fallback is false"));
      }
      model->byte_ids[byte] = id;
      byte_found[byte] = true;
    }
  }
  if (model->unk_id < 0) return Invalid(source, "no unknown piece");
  if (model->byte_fallback &&
      std::find(byte_found.begin(), byte_found.end(), false) != byte_found.end()) {
    return Invalid(source, "byte_fallback is true but not all 256 byte pieces exist");
  }
  for (auto& symbols : model->user_defined) {
    std::stable_sort(symbols.begin(), symbols.end(),
                     [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  }
  return absl::OkStatus();
}

// ---- encoding ---------------------------------------------------------------------------------

// The next normaliser unit of `input`: a user-defined symbol, a UTF-8 character, or U+FFFD for
// one malformed byte; and how many input bytes it consumes.
std::pair<std::string_view, size_t> NextUnit(const Model& model, std::string_view input) {
  if (const size_t length = model.MatchUserDefined(input); length > 0) {
    return {input.substr(0, length), length};
  }
  const auto* s = reinterpret_cast<const uint8_t*>(input.data());
  const auto length = static_cast<int32_t>(std::min<size_t>(input.size(), 8));
  int32_t next = 0;
  UChar32 c;
  U8_NEXT(s, next, length, c);
  if (c < 0) return {kReplacementChar, 1};
  return {input.substr(0, next), static_cast<size_t>(next)};
}

// sentencepiece's Normalizer without a character map (the "identity" rule).
std::string Normalize(const Model& model, std::string_view input) {
  std::string out;
  while (model.remove_extra_whitespaces && !input.empty() && NextUnit(model, input).first == " ") {
    input.remove_prefix(1);
  }
  if (input.empty()) return out;
  const std::string_view space = model.escape_whitespaces ? kSpaceSymbol : " ";
  if (model.add_dummy_prefix) out.append(space);
  bool prev_space = model.remove_extra_whitespaces;
  while (!input.empty()) {
    const auto [unit, consumed] = NextUnit(model, input);
    std::string_view text = unit;
    while (prev_space && !text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (!text.empty()) {
      for (const char c : text) {
        if (c == ' ') {
          out.append(space);
        } else {
          out.push_back(c);
        }
      }
      prev_space = text.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!model.remove_extra_whitespaces) prev_space = false;
  }
  while (model.remove_extra_whitespaces && out.size() >= space.size() &&
         std::string_view(out).substr(out.size() - space.size()) == space) {
    out.resize(out.size() - space.size());
  }
  return out;
}

// sentencepiece's bpe::Model::Encode: merges the adjacent pair whose concatenation is the
// highest-scoring piece (leftmost on ties) until none is left; user-defined symbols never merge,
// and UNUSED pieces are split back into the pieces that formed them. One use per text.
class BpeEncoder {
 public:
  BpeEncoder(const Model& model, std::string_view normalized) : model_(model) {
    for (std::string_view rest = normalized; !rest.empty();) {
      const size_t user = model.MatchUserDefined(rest);
      const size_t length = user > 0 ? user : NextUnit(model, rest).second;
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({index - 1, -1, user > 0, rest.substr(0, length)});
      rest.remove_prefix(length);
      if (!rest.empty()) symbols_.back().next = index + 1;
    }
  }

  std::vector<std::string_view> Encode() {
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) AddPair(i - 1, i);
    while (!agenda_.empty()) {
      const Pair top = agenda_.top();
      agenda_.pop();
      Merge(top);
    }
    std::vector<std::string_view> out;
    for (int i = symbols_.empty() ? -1 : 0; i >= 0; i = symbols_[i].next) {
      Resegment(symbols_[i].piece, &out);
    }
    return out;
  }

 private:
  struct Symbol {
    int prev;  // -1 for none
    int next;  // -1 for none
    bool frozen;
    std::string_view piece;  // empty once merged into its left neighbour
  };
  struct Pair {
    int left;
    int right;
    float score;
    size_t size;
    bool operator<(const Pair& other) const {  // priority_queue pops the greatest
      return score < other.score || (score == other.score && left > other.left);
    }
  };

  void AddPair(int left, int right) {
    if (left < 0 || right < 0 || symbols_[left].frozen || symbols_[right].frozen) return;
    const std::string_view merged(symbols_[left].piece.data(),
                                  symbols_[left].piece.size() + symbols_[right].piece.size());
    const auto it = model_.normal_ids.find(merged);
    if (it == model_.normal_ids.end()) return;
    agenda_.push({left, right, model_.pieces[it->second].score, merged.size()});
    if (model_.pieces[it->second].type == kUnused) {
      unmerge_[merged] = {symbols_[left].piece, symbols_[right].piece};
    }
  }

  void Merge(const Pair& pair) {
    Symbol& left = symbols_[pair.left];
    Symbol& right = symbols_[pair.right];
    if (left.piece.empty() || right.piece.empty() ||
        left.piece.size() + right.piece.size() != pair.size) {
      return;  // stale: one side has been merged since the pair was queued
    }
    left.piece = std::string_view(left.piece.data(), pair.size);
    left.next = right.next;
    if (right.next >= 0) symbols_[right.next].prev = pair.left;
    right.piece = std::string_view();
    AddPair(left.prev, pair.left);
    AddPair(pair.left, left.next);
  }

  void Resegment(std::string_view piece, std::vector<std::string_view>* out) const {
    const auto it = unmerge_.find(piece);
    if (it == unmerge_.end() || !model_.Is(model_.PieceToId(piece), kUnused)) {
      out->push_back(piece);
      return;
    }
    Resegment(it->second.first, out);
    Resegment(it->second.second, out);
  }

  const Model& model_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Pair> agenda_;
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unmerge_;
};

}  // namespace

// ---- SentencePieceTokenizer -----------------------------------------------------------------

SentencePieceTokenizer::SentencePieceTokenizer(std::unique_ptr<const SentencePieceModel> model)
    : model_(std::move(model)) {}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::FromSerializedProto(
    std::string_view model_proto, const Options& options) {
  auto model = std::make_unique<Model>();
  if (!ParseModelProto(model_proto, model.get()) || model->pieces.empty()) {
    return Invalid(options.source,
                   "not a SentencePiece model (expected a serialized "
                   "sentencepiece.ModelProto)");
  }
  DEPTHLAB_RETURN_IF_ERROR(CheckSupported(*model, options.source));
  DEPTHLAB_RETURN_IF_ERROR(IndexPieces(model.get(), options.source));
  std::unique_ptr<SentencePieceTokenizer> tokenizer(new SentencePieceTokenizer(std::move(model)));
  DEPTHLAB_RETURN_IF_ERROR(tokenizer->ApplyOptions(options));
  return tokenizer;
}

int32_t SentencePieceTokenizer::PieceToId(std::string_view piece) const {
  return model_->PieceToId(piece);
}

absl::StatusOr<int32_t> SentencePieceTokenizer::ConfiguredId(const std::string& piece,
                                                             const char* field,
                                                             const Options& options) const {
  const int32_t id = PieceToId(piece);
  if (model_->pieces[id].text != piece) {
    return Invalid(options.config_source,
                   absl::StrCat(field, " \"", piece, "\" is not a piece of ", options.source));
  }
  return id;
}

absl::Status SentencePieceTokenizer::ApplyOptions(const Options& options) {
  // As SentencePieceProcessor::bos_id(): the bos piece, if it is a control piece.
  if (const int32_t id = PieceToId(model_->bos_piece); model_->Is(id, kControl)) bos_id_ = id;
  if (const int32_t id = PieceToId(model_->eos_piece); model_->Is(id, kControl)) eos_id_ = id;
  if (options.bos_token) {
    DEPTHLAB_ASSIGN_OR_RETURN(bos_id_, ConfiguredId(*options.bos_token, "bos_token", options));
  }
  if (options.eos_token) {
    DEPTHLAB_ASSIGN_OR_RETURN(eos_id_, ConfiguredId(*options.eos_token, "eos_token", options));
  }
  // Hugging Face's LlamaTokenizer adds BOS and no EOS by default.
  add_bos_ = options.add_bos_token.value_or(bos_id_.has_value());
  add_eos_ = options.add_eos_token.value_or(false);
  if (add_bos_ && !bos_id_) {
    return Invalid(options.config_source,
                   absl::StrCat("add_bos_token is true but ", options.source, " has no BOS"));
  }
  if (add_eos_ && !eos_id_) {
    return Invalid(options.config_source,
                   absl::StrCat("add_eos_token is true but ", options.source, " has no EOS"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> SentencePieceTokenizer::Encode(std::string_view text,
                                                                    bool add_special) const {
  const std::string normalized = Normalize(*model_, text);
  std::vector<int32_t> ids;
  if (add_special && add_bos_) ids.push_back(*bos_id_);
  bool prev_unknown = false;
  for (const std::string_view piece : BpeEncoder(*model_, normalized).Encode()) {
    const int32_t id = model_->PieceToId(piece);
    const bool unknown = model_->Is(id, kUnknown);
    if (unknown && model_->byte_fallback) {
      for (const char byte : piece) ids.push_back(model_->byte_ids[static_cast<uint8_t>(byte)]);
    } else if (!(unknown && prev_unknown)) {  // a run of unknown pieces is one <unk>
      ids.push_back(id);
    }
    prev_unknown = unknown;
  }
  if (add_special && add_eos_) ids.push_back(*eos_id_);
  return ids;
}

std::string SentencePieceTokenizer::Decode(absl::Span<const int32_t> ids) const {
  // As SentencePieceProcessor::Decode: byte pieces join into UTF-8, control pieces vanish, and
  // the dummy-prefix space of the first piece is dropped.
  std::string text;
  std::string bytes;
  bool stripped_prefix = false;
  const bool strip = model_->add_dummy_prefix || model_->remove_extra_whitespaces;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size() || id == bos_id_ || id == eos_id_) continue;
    const Model::Piece& piece = model_->pieces[id];
    if (piece.type == kByte) {
      bytes.push_back(static_cast<char>(PieceToByte(piece.text)));
      continue;
    }
    AppendBytesAsText(bytes, &text);
    bytes.clear();
    if (piece.type == kControl) continue;
    if (piece.type == kUnknown) {
      text += model_->unk_surface;
      continue;
    }
    std::string_view surface = piece.text;
    if (strip && !stripped_prefix && text.empty() &&
        surface.substr(0, kSpaceSymbol.size()) == kSpaceSymbol) {
      surface.remove_prefix(kSpaceSymbol.size());
      stripped_prefix = !model_->remove_extra_whitespaces;
    }
    AppendUnescaped(surface, &text);
  }
  AppendBytesAsText(bytes, &text);
  return text;
}

std::string SentencePieceTokenizer::IdToPiece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return "";
  return model_->pieces[id].text;
}

int32_t SentencePieceTokenizer::vocab_size() const {
  return static_cast<int32_t>(model_->pieces.size());
}

}  // namespace depthlab::engine
