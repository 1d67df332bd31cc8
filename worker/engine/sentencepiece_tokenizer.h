// A Tokenizer over a SentencePiece `tokenizer.model` (LLaMA-2, Mistral): BPE models with the
// identity normaliser, byte fallback and user-defined symbols, encoded and decoded as
// sentencepiece's SentencePieceProcessor does. BOS/EOS are the model's <s> / </s> control pieces
// unless tokenizer_config.json names others; like Hugging Face's LlamaTokenizer,
// Encode(..., add_special=true) prepends BOS and appends no EOS unless the config says otherwise.
//
// The model file is read here rather than through libsentencepiece: Debian's libsentencepiece
// exports a bundled protobuf 3.14 runtime that breaks any process that also loads libprotobuf
// 3.21 (libtorch does), aborting at start-up.
//
//   SentencePieceTokenizer::Options o;
//   o.source = dir + "/tokenizer.model";
//   DEPTHLAB_ASSIGN_OR_RETURN(auto tok, SentencePieceTokenizer::FromSerializedProto(bytes, o));
#ifndef DEPTHLAB_WORKER_ENGINE_SENTENCEPIECE_TOKENIZER_H_
#define DEPTHLAB_WORKER_ENGINE_SENTENCEPIECE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::engine {

struct SentencePieceModel;  // the parsed tokenizer.model; defined in sentencepiece_tokenizer.cc

// Immutable after FromSerializedProto; thread-safe.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  struct Options {
    // Names tokenizer.model in error messages.
    std::string source = "tokenizer.model";
    // From tokenizer_config.json (named by config_source in errors); unset when absent or null.
    // Defaults: add_bos_token true (when the model has a BOS piece), add_eos_token false.
    std::optional<bool> add_bos_token;
    std::optional<bool> add_eos_token;
    std::optional<std::string> bos_token;  // a piece of the model, e.g. "<s>"
    std::optional<std::string> eos_token;
    std::string config_source = "tokenizer_config.json";
  };

  // `model_proto` is the content of tokenizer.model (a serialized sentencepiece.ModelProto).
  // InvalidArgument naming options.source when it does not parse or uses an unsupported feature
  // (a model type other than BPE, a precompiled normaliser); naming options.config_source when a
  // bos/eos token is not a piece.
  static absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> FromSerializedProto(
      std::string_view model_proto, const Options& options);

  ~SentencePieceTokenizer() override;

  absl::StatusOr<std::vector<int32_t>> Encode(std::string_view text,
                                              bool add_special) const override;
  std::string Decode(absl::Span<const int32_t> ids) const override;
  std::string IdToPiece(int32_t id) const override;
  int32_t vocab_size() const override;
  std::string_view kind() const override { return "sentencepiece"; }

  // The id sentencepiece's PieceToId gives `piece`: the unknown id when it is not a piece.
  int32_t PieceToId(std::string_view piece) const;

 private:
  explicit SentencePieceTokenizer(std::unique_ptr<const SentencePieceModel> model);

  absl::Status ApplyOptions(const Options& options);
  // Resolves a token named in tokenizer_config.json to its piece id.
  absl::StatusOr<int32_t> ConfiguredId(const std::string& piece, const char* field,
                                       const Options& options) const;

  std::unique_ptr<const SentencePieceModel> model_;
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_SENTENCEPIECE_TOKENIZER_H_
