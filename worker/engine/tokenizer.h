// Tokenizers of Hugging Face model directories: SentencePiece `tokenizer.model` (LLaMA-2, Mistral)
// and byte-level BPE `tokenizer.json` (LLaMA-3, Qwen2). BOS/EOS behaviour comes from
// tokenizer_config.json (add_bos_token, add_eos_token, bos_token, eos_token), falling back to the
// tokenizer.json post-processor and then to each family's default.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto tok, Tokenizer::FromDirectory(model_dir));
//   DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tok->Encode("Hello",
//   /*add_special=*/true));
#ifndef DEPTHLAB_WORKER_ENGINE_TOKENIZER_H_
#define DEPTHLAB_WORKER_ENGINE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace depthlab::engine {

// Implementations are immutable after loading and thread-safe.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Loads tokenizer.model if present, else tokenizer.json; reads tokenizer_config.json if present.
  // NotFound when the directory has neither tokenizer file; InvalidArgument naming the file for
  // malformed content.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromDirectory(const std::string& dir);

  // Encodes UTF-8 text. With add_special, prepends BOS / appends EOS as configured.
  virtual absl::StatusOr<std::vector<int32_t>> Encode(std::string_view text,
                                                      bool add_special) const = 0;
  // Decodes ids to text; special tokens (BOS/EOS/added special tokens) are skipped.
  virtual std::string Decode(absl::Span<const int32_t> ids) const = 0;
  // The vocabulary string of one id (for display), "" if out of range.
  virtual std::string IdToPiece(int32_t id) const = 0;
  virtual int32_t vocab_size() const = 0;
  // "sentencepiece" or "bpe".
  virtual std::string_view kind() const = 0;

  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::optional<int32_t> eos_id() const { return eos_id_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }

 protected:
  std::optional<int32_t> bos_id_;
  std::optional<int32_t> eos_id_;
  bool add_bos_ = false;
  bool add_eos_ = false;
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_TOKENIZER_H_
