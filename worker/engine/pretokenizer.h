// Pre-tokenisation of byte-level BPE tokenizers: the split regexes of GPT-2, LLaMA-3 and Qwen2,
// matched by hand over Unicode code points (ICU character classes), because std::regex has no
// \p{L} / \p{N}. Pure functions; thread-safe.
#ifndef DEPTHLAB_WORKER_ENGINE_PRETOKENIZER_H_
#define DEPTHLAB_WORKER_ENGINE_PRETOKENIZER_H_

#include <string_view>
#include <vector>

namespace depthlab::engine {

// The pre-tokenizer regexes of the supported families.
enum class SplitPattern {
  kGpt2,    // ByteLevel use_regex: 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kLlama3,  // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|...
  kQwen2,   // as kLlama3 with \p{N} (single digits)
};

// Splits `text` as the pattern's regex would (behaviour "Isolated": the pieces are the matches and
// they tile the text). Bytes that are not valid UTF-8 count as punctuation.
std::vector<std::string_view> SplitPreTokens(std::string_view text, SplitPattern pattern);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_PRETOKENIZER_H_
