#include "worker/engine/pretokenizer.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace depthlab::engine {
namespace {

// ---- Pre-tokenizer regexes, matched by hand --------------------------------------------------

// \p{L}, \p{N}, [\r\n], the rest of \s (Unicode White_Space, as Oniguruma's \s), anything else.
enum class CharClass : uint8_t { kLetter, kNumber, kNewline, kSpace, kOther };

struct Char {
  size_t begin;  // byte offset in the text
  UChar32 cp;    // < 0 for a byte that is not valid UTF-8
  CharClass cls;
};

CharClass Classify(UChar32 c) {
  if (c < 0) return CharClass::kOther;
  if (c == '\r' || c == '\n') return CharClass::kNewline;
  if (u_isUWhiteSpace(c)) return CharClass::kSpace;
  const uint32_t mask = U_GET_GC_MASK(c);
  if (mask & U_GC_L_MASK) return CharClass::kLetter;
  if (mask & U_GC_N_MASK) return CharClass::kNumber;
  return CharClass::kOther;
}

// REQUIRES: text.size() <= INT32_MAX.
std::vector<Char> DecodeChars(std::string_view text) {
  std::vector<Char> chars;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t begin = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    chars.push_back({static_cast<size_t>(begin), c, Classify(c)});
  }
  return chars;
}

// Leftmost-first alternation of one SplitPattern over decoded characters. Each Match* returns the
// end (character index) of its alternative's match at i, or i when it does not match.
class Splitter {
 public:
  Splitter(std::string_view text, SplitPattern pattern)
      : chars_(DecodeChars(text)), n_(chars_.size()), pattern_(pattern) {}

  std::vector<std::string_view> Split(std::string_view text) const {
    std::vector<std::string_view> pieces;
    for (size_t i = 0; i < n_;) {
      const size_t end = Match(i);
      const size_t byte_end = end < n_ ? chars_[end].begin : text.size();
      pieces.push_back(text.substr(chars_[i].begin, byte_end - chars_[i].begin));
      i = end;
    }
    return pieces;
  }

 private:
  // The alternatives in the regex's order; the first that matches wins.
  size_t Match(size_t i) const {
    size_t end = MatchContraction(i);
    if (end == i) end = MatchLetters(i);
    if (end == i) end = MatchNumbers(i);
    if (end == i) end = MatchPunctuation(i);
    if (end == i && pattern_ != SplitPattern::kGpt2) end = MatchNewlines(i);
    if (end == i) end = MatchSpaces(i);
    return end > i ? end : i + 1;  // every character class is matched by some alternative
  }

  bool Is(size_t i, CharClass cls) const { return i < n_ && chars_[i].cls == cls; }
  bool IsWhiteSpace(size_t i) const {
    return Is(i, CharClass::kSpace) || Is(i, CharClass::kNewline);
  }
  bool IsSpaceChar(size_t i) const { return i < n_ && chars_[i].cp == ' '; }
  size_t RunEnd(size_t i, CharClass cls) const {
    while (Is(i, cls)) ++i;
    return i;
  }
  size_t WhiteSpaceRunEnd(size_t i) const {
    while (IsWhiteSpace(i)) ++i;
    return i;
  }

  // The code point at i, case-folded for the (?i:...) group of LLaMA-3 / Qwen2.
  UChar32 Folded(size_t i) const {
    if (i >= n_) return 0;
    const UChar32 c = chars_[i].cp;
    if (pattern_ == SplitPattern::kGpt2) return c;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 'a';
    return c == 0x17F ? 's' : c;  // LATIN SMALL LETTER LONG S folds to 's'
  }

  // 's|'t|'re|'ve|'m|'ll|'d
  size_t MatchContraction(size_t i) const {
    if (chars_[i].cp != '\'') return i;
    const UChar32 c1 = Folded(i + 1);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
    const UChar32 c2 = Folded(i + 2);
    if (((c1 == 'r' || c1 == 'v') && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
    return i;
  }

  // GPT-2: ` ?\p{L}+`; LLaMA-3 / Qwen2: `[^\r\n\p{L}\p{N}]?\p{L}+`.
  size_t MatchLetters(size_t i) const {
    const bool optional_prefix = pattern_ == SplitPattern::kGpt2
                                     ? IsSpaceChar(i)
                                     : !Is(i, CharClass::kNewline) && !Is(i, CharClass::kLetter) &&
                                           !Is(i, CharClass::kNumber);
    const size_t start = optional_prefix && Is(i + 1, CharClass::kLetter) ? i + 1 : i;
    return Is(start, CharClass::kLetter) ? RunEnd(start, CharClass::kLetter) : i;
  }

  // GPT-2: ` ?\p{N}+`; LLaMA-3: `\p{N}{1,3}`; Qwen2: `\p{N}`.
  size_t MatchNumbers(size_t i) const {
    size_t start = i;
    size_t max_digits = std::numeric_limits<size_t>::max();
    if (pattern_ == SplitPattern::kGpt2) {
      if (IsSpaceChar(i) && Is(i + 1, CharClass::kNumber)) start = i + 1;
    } else {
      max_digits = pattern_ == SplitPattern::kLlama3 ? 3 : 1;
    }
    size_t end = start;
    while (Is(end, CharClass::kNumber) && end - start < max_digits) ++end;
    return end > start ? end : i;
  }

  // GPT-2: ` ?[^\s\p{L}\p{N}]+`; LLaMA-3 / Qwen2 add `[\r\n]*`.
  size_t MatchPunctuation(size_t i) const {
    const size_t start = IsSpaceChar(i) && Is(i + 1, CharClass::kOther) ? i + 1 : i;
    if (!Is(start, CharClass::kOther)) return i;
    const size_t end = RunEnd(start, CharClass::kOther);
    return pattern_ == SplitPattern::kGpt2 ? end : RunEnd(end, CharClass::kNewline);
  }

  // `\s*[\r\n]+`: the backtracking match ends just after the run's last newline.
  size_t MatchNewlines(size_t i) const {
    const size_t run_end = WhiteSpaceRunEnd(i);
    for (size_t j = run_end; j > i; --j) {
      if (Is(j - 1, CharClass::kNewline)) return j;
    }
    return i;
  }

  // `\s+(?!\S)|\s+`: a run of white space, less its last character when that one is followed by
  // a non-space (it then prefixes the next piece).
  size_t MatchSpaces(size_t i) const {
    const size_t end = WhiteSpaceRunEnd(i);
    if (end == i || end == n_ || end - i == 1) return end;
    return end - 1;
  }

  std::vector<Char> chars_;
  size_t n_;
  SplitPattern pattern_;
};

}  // namespace

std::vector<std::string_view> SplitPreTokens(std::string_view text, SplitPattern pattern) {
  return Splitter(text, pattern).Split(text);
}

}  // namespace depthlab::engine
