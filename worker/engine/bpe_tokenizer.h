// A Tokenizer over a Hugging Face byte-level BPE `tokenizer.json` (LLaMA-3, Qwen2, GPT-2). Encode
// splits out added tokens (longest match first), NFC-normalises if the file says so, pre-tokenises
// with the file's split pattern (one of SplitPattern, matched by hand because std::regex has no
// \p{L}), maps bytes to GPT-2's printable characters and applies merges by rank.
//
//   BpeTokenizer::Options o;
//   o.source = dir + "/tokenizer.json";
//   DEPTHLAB_ASSIGN_OR_RETURN(auto tok, BpeTokenizer::FromJson(json_text, o));
#ifndef DEPTHLAB_WORKER_ENGINE_BPE_TOKENIZER_H_
#define DEPTHLAB_WORKER_ENGINE_BPE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "worker/engine/pretokenizer.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::engine {

struct BpeModel;  // the parsed tokenizer.json; defined in bpe_tokenizer.cc

// Immutable after FromJson; thread-safe.
class BpeTokenizer final : public Tokenizer {
 public:
  struct Options {
    // Names tokenizer.json in error messages.
    std::string source = "tokenizer.json";
    // From tokenizer_config.json (named by config_source in errors); unset when absent or null.
    // Without add_bos_token, BOS is added when the post_processor template starts with a special
    // token (likewise EOS for one that ends it); without bos_token, BOS is that template token.
    std::optional<bool> add_bos_token;
    std::optional<bool> add_eos_token;
    std::optional<std::string> bos_token;  // an added token or vocabulary entry
    std::optional<std::string> eos_token;
    std::string config_source = "tokenizer_config.json";
  };

  // InvalidArgument naming the file and field for malformed or unsupported content.
  static absl::StatusOr<std::unique_ptr<BpeTokenizer>> FromJson(std::string_view tokenizer_json,
                                                                const Options& options);

  ~BpeTokenizer() override;

  // InvalidArgument when a byte of `text` has no vocabulary entry (and there is no unk_token).
  absl::StatusOr<std::vector<int32_t>> Encode(std::string_view text,
                                              bool add_special) const override;
  std::string Decode(absl::Span<const int32_t> ids) const override;
  std::string IdToPiece(int32_t id) const override;
  int32_t vocab_size() const override;
  std::string_view kind() const override { return "bpe"; }

 private:
  explicit BpeTokenizer(std::unique_ptr<const BpeModel> model);

  absl::Status ApplyOptions(const Options& options);
  // The id of the BOS or EOS token: as configured, else the post_processor template's, if any.
  absl::StatusOr<std::optional<int32_t>> ResolveSpecial(
      const char* field, const std::optional<std::string>& configured,
      const std::optional<std::string>& from_template, const Options& options) const;

  std::unique_ptr<const BpeModel> model_;
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_BPE_TOKENIZER_H_
