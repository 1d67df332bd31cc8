#include "worker/engine/tokenizer.h"

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/engine/bpe_tokenizer.h"
#include "worker/engine/random_model.h"

namespace depthlab::engine {
namespace {

using json = nlohmann::json;

// ---- helpers ------------------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "/tokenizer_test_XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

::testing::AssertionResult MessageHas(const absl::Status& status, absl::string_view needle) {
  if (status.message().find(needle) != absl::string_view::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << status << " does not mention " << needle;
}

std::unique_ptr<Tokenizer> Load(const std::string& dir) {
  auto tokenizer = Tokenizer::FromDirectory(dir);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

std::vector<int32_t> EncodeOk(const Tokenizer& tokenizer, std::string_view text, bool add_special) {
  auto ids = tokenizer.Encode(text, add_special);
  EXPECT_TRUE(ids.ok()) << ids.status();
  return ids.ok() ? *ids : std::vector<int32_t>{};
}

// Strings whose round trip must be exact: accents, CJK, emoji, tabs, newlines, runs of spaces.
const std::vector<std::string>& RoundTripStrings() {
  static const auto* const strings = new std::vector<std::string>{
      "Hello world",
      "the quick brown fox jumps over 12345 lazy dogs",
      "café naïve über señor",
      "東京タワー and 北京",
      "emoji 🙂👍🏽 done",
      "tabs\tand\nnewlines\r\n",
      "  leading, double  spaces and trailing  ",
      "don't I'M they're",
      "",
  };
  return *strings;
}

// ---- SentencePiece: a hand-written tokenizer.model ----------------------------------------------

// Protobuf wire-format writers for a sentencepiece.ModelProto.
std::string Varint(uint64_t value) {
  std::string out;
  for (; value >= 0x80; value >>= 7) out.push_back(static_cast<char>(value | 0x80));
  out.push_back(static_cast<char>(value));
  return out;
}
std::string BytesField(int field, std::string_view bytes) {
  return Varint(field << 3 | 2) + Varint(bytes.size()) + std::string(bytes);
}
std::string VarintField(int field, uint64_t value) { return Varint(field << 3) + Varint(value); }
std::string FloatField(int field, float value) {
  std::string out = Varint(field << 3 | 5);
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  return out + std::string(bytes, 4);
}

enum SpType {
  kSpNormal = 1,
  kSpUnknown = 2,
  kSpControl = 3,
  kSpUserDefined = 4,
  kSpUnused = 5,
  kSpByte = 6
};
struct SpPiece {
  std::string text;
  float score;
  SpType type;
};

struct SpModelOptions {
  bool byte_fallback = true;
  bool remove_extra_whitespaces = false;
  int model_type = 2;  // BPE
  std::vector<SpPiece> extra_pieces;
};

// LLaMA-2's layout: <unk>, <s>, </s>, then (with byte fallback) <0x00>..<0xFF> at ids 3..258,
// then the pieces below. Merges follow piece scores: ll > he > llo > ▁he > ▁hello > or > ▁w > ▁wor.
std::string SpModelProto(const SpModelOptions& options) {
  std::vector<SpPiece> pieces = {
      {"<unk>", 0, kSpUnknown}, {"<s>", 0, kSpControl}, {"</s>", 0, kSpControl}};
  if (options.byte_fallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      pieces.push_back({name, 0, kSpByte});
    }
  }
  const std::vector<SpPiece> words = {
      {"▁", 0, kSpNormal},       {"h", -10, kSpNormal},       {"e", -10, kSpNormal},
      {"l", -10, kSpNormal},     {"o", -10, kSpNormal},       {"w", -10, kSpNormal},
      {"r", -10, kSpNormal},     {"d", -10, kSpNormal},       {"ll", -1, kSpNormal},
      {"he", -2, kSpNormal},     {"llo", -3, kSpNormal},      {"▁he", -4, kSpNormal},
      {"▁hello", -5, kSpNormal}, {"or", -6, kSpNormal},       {"▁w", -7, kSpNormal},
      {"▁wor", -8, kSpNormal},   {"<sep>", 0, kSpUserDefined}};
  pieces.insert(pieces.end(), words.begin(), words.end());
  pieces.insert(pieces.end(), options.extra_pieces.begin(), options.extra_pieces.end());
  std::string proto;
  for (const SpPiece& p : pieces) {
    proto += BytesField(1, BytesField(1, p.text) + FloatField(2, p.score) + VarintField(3, p.type));
  }
  proto +=
      BytesField(2, VarintField(3, options.model_type) + VarintField(35, options.byte_fallback) +
                        VarintField(41, 1) + VarintField(43, static_cast<uint64_t>(-1)));
  proto += BytesField(3, BytesField(1, "identity") + VarintField(3, 1) +
                             VarintField(4, options.remove_extra_whitespaces) + VarintField(5, 1));
  return proto;
}

// Ids in the byte-fallback model.
constexpr int32_t kSpSpace = 259, kSpH = 260, kSpE = 261, kSpL = 262, kSpO = 263, kSpW = 264,
                  kSpR = 265, kSpD = 266, kSpHello = 271, kSpWor = 274, kSpSep = 275,
                  kSpFirstExtra = 276;
constexpr int32_t SpByte(int b) { return 3 + b; }

class SentencePieceTokenizerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Tokenizer> LoadModel(const SpModelOptions& options,
                                       std::string_view config = "") {
    WriteFile(dir_.File("tokenizer.model"), SpModelProto(options));
    if (!config.empty()) WriteFile(dir_.File("tokenizer_config.json"), config);
    return Load(dir_.path());
  }

  TempDir dir_;
};

TEST_F(SentencePieceTokenizerTest, MergesByPieceScore) {
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->kind(), "sentencepiece");
  EXPECT_EQ(tokenizer->vocab_size(), 276);
  // "▁hello▁world": ll, he, llo, ▁he, ▁hello, then or, ▁w, ▁wor; "l" and "d" stay.
  EXPECT_EQ(EncodeOk(*tokenizer, "hello world", false),
            (std::vector<int32_t>{kSpHello, kSpWor, kSpL, kSpD}));
  // No whitespace clean-up (LLaMA-2): the second space is its own "▁".
  EXPECT_EQ(EncodeOk(*tokenizer, "hello  world", false),
            (std::vector<int32_t>{kSpHello, kSpSpace, kSpWor, kSpL, kSpD}));
  EXPECT_EQ(tokenizer->Decode({kSpHello, kSpSpace, kSpWor, kSpL, kSpD}), "hello  world");
  EXPECT_EQ(tokenizer->IdToPiece(kSpHello), "▁hello");
  EXPECT_EQ(tokenizer->IdToPiece(SpByte(0xC3)), "<0xC3>");
  EXPECT_EQ(tokenizer->IdToPiece(-1), "");
  EXPECT_EQ(tokenizer->IdToPiece(276), "");
}

TEST_F(SentencePieceTokenizerTest, AddsBosByDefaultLikeLlamaTokenizer) {
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_TRUE(tokenizer->add_bos());
  EXPECT_FALSE(tokenizer->add_eos());
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", true), (std::vector<int32_t>{1, kSpHello}));
  EXPECT_EQ(EncodeOk(*tokenizer, "", true), (std::vector<int32_t>{1}));
  EXPECT_EQ(EncodeOk(*tokenizer, "", false), (std::vector<int32_t>{}));
  EXPECT_EQ(tokenizer->Decode({1, kSpHello, 2}), "hello");
}

TEST_F(SentencePieceTokenizerTest, ConfigTurnsBosOffAndEosOn) {
  auto tokenizer = LoadModel({}, R"({"add_bos_token": false, "add_eos_token": true,
      "bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>"})");
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", true), (std::vector<int32_t>{kSpHello, 2}));
}

TEST_F(SentencePieceTokenizerTest, FallsBackToBytes) {
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  // "é" is C3 A9 and no piece: "▁" then its two byte pieces.
  EXPECT_EQ(EncodeOk(*tokenizer, "é", false),
            (std::vector<int32_t>{kSpSpace, SpByte(0xC3), SpByte(0xA9)}));
  EXPECT_EQ(tokenizer->Decode({kSpSpace, SpByte(0xC3), SpByte(0xA9)}), "é");
  // A lone continuation byte decodes to U+FFFD, as sentencepiece does.
  EXPECT_EQ(tokenizer->Decode({SpByte(0xA9)}), "\xEF\xBF\xBD");
  for (const std::string& text : RoundTripStrings()) {
    EXPECT_EQ(tokenizer->Decode(EncodeOk(*tokenizer, text, true)), text);
  }
}

TEST_F(SentencePieceTokenizerTest, UserDefinedSymbolsNeverMerge) {
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello<sep>world", false),
            (std::vector<int32_t>{kSpHello, kSpSep, kSpW, /*"or"*/ 272, kSpL, kSpD}));
}

TEST_F(SentencePieceTokenizerTest, UnusedPiecesAreSplitBack) {
  // "wo" outranks every other merge but is UNUSED: it blocks "or" and "▁w", then splits again.
  SpModelOptions options;
  options.extra_pieces = {{"wo", -0.5, kSpUnused}};
  auto tokenizer = LoadModel(options);
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello world", false),
            (std::vector<int32_t>{kSpHello, kSpSpace, kSpW, kSpO, kSpR, kSpL, kSpD}));
  EXPECT_EQ(tokenizer->IdToPiece(kSpFirstExtra), "wo");
}

TEST_F(SentencePieceTokenizerTest, UnknownRunsBecomeOneUnkWithoutByteFallback) {
  SpModelOptions options;
  options.byte_fallback = false;
  options.remove_extra_whitespaces = true;
  auto tokenizer = LoadModel(options);
  ASSERT_NE(tokenizer, nullptr);
  const int32_t space = kSpSpace - 256, h = kSpH - 256, hello = kSpHello - 256, wor = kSpWor - 256,
                l = kSpL - 256, d = kSpD - 256;
  EXPECT_EQ(EncodeOk(*tokenizer, "héé", false), (std::vector<int32_t>{space, h, 0}));
  EXPECT_EQ(tokenizer->Decode({space, h, 0}), "h ⁇ ");
  // Leading, trailing and repeated spaces are dropped.
  EXPECT_EQ(EncodeOk(*tokenizer, "  hello   world  ", false),
            (std::vector<int32_t>{hello, wor, l, d}));
}

TEST_F(SentencePieceTokenizerTest, DecodeDropsOnlyTheDummyPrefix) {
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->Decode({kSpSpace, kSpSpace, kSpHello}), "  hello");
  EXPECT_EQ(EncodeOk(*tokenizer, "  hello", false),
            (std::vector<int32_t>{kSpSpace, kSpSpace, kSpHello}));
  EXPECT_EQ(tokenizer->Decode({kSpH, kSpE}), "he");
}

TEST_F(SentencePieceTokenizerTest, UnknownBosTokenNamesConfig) {
  WriteFile(dir_.File("tokenizer.model"), SpModelProto({}));
  WriteFile(dir_.File("tokenizer_config.json"), R"({"bos_token": "<nope>"})");
  const absl::Status status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer_config.json")));
  EXPECT_TRUE(MessageHas(status, "<nope>"));
}

TEST_F(SentencePieceTokenizerTest, RejectsCorruptAndUnsupportedModels) {
  WriteFile(dir_.File("tokenizer.model"), "this is not a protobuf");
  absl::Status status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer.model")));
  SpModelOptions unigram;
  unigram.model_type = 1;
  WriteFile(dir_.File("tokenizer.model"), SpModelProto(unigram));
  status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, "not supported"));
}

TEST_F(SentencePieceTokenizerTest, PrefersTokenizerModelOverTokenizerJson) {
  WriteFile(dir_.File("tokenizer.json"), "{ not even JSON");
  auto tokenizer = LoadModel({});
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->kind(), "sentencepiece");
}

// ---- SentencePiece: against the reference implementation ----------------------------------------

// Trains models with the spm_train tool and compares with spm_encode / spm_decode. The tools run
// as separate processes because libsentencepiece cannot share a process with libtorch's protobuf.
class SentencePieceReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("spm_train --help > /dev/null 2>&1") != 0) {
      // scripts/setup.sh installs the tools; only an engine-only build elsewhere may go without.
      if (std::getenv("DEPTHLAB_ALLOW_MISSING_SPM") != nullptr) GTEST_SKIP() << "no spm_train";
      FAIL() << "spm_train not installed (Debian package sentencepiece; run scripts/setup.sh)";
    }
  }

  static std::string Corpus() {
    std::mt19937 rng(7);
    const std::vector<std::string> words = {
        "the",   "quick", "brown", "fox",   "jumps", "over",  "lazy",  "dog",  "hello",
        "world", "model", "layer", "block", "prune", "depth", "token", "café", "naïve",
        "über",  "señor", "42",    "2024",  "and",   "of",    "a",     "is",   "Hello"};
    std::string corpus;
    for (int line = 0; line < 400; ++line) {
      const int length = 4 + static_cast<int>(rng() % 8);
      for (int w = 0; w < length; ++w) corpus += (w > 0 ? " " : "") + words[rng() % words.size()];
      corpus += ".\n";
    }
    return corpus;
  }

  // Lines to compare: fixed cases and random mixes of words, digits, spaces and rare characters.
  static std::vector<std::string> TestLines() {
    std::vector<std::string> lines = {"Hello world",
                                      "the quick brown fox 12345",
                                      "café naïve über",
                                      "東京タワー 🙂",
                                      "  leading and  double  spaces  ",
                                      "tab\tseparated",
                                      "<sep>hello<sep> world<sep>",
                                      "don't",
                                      "x",
                                      ""};
    const std::vector<std::string> parts = {"hello", "world", "the",  " ",   "  ",
                                            "é",     "東",    "🙂", "1",   "23",
                                            "<sep>", "\t",    "ß",    "fox", "."};
    std::mt19937 rng(11);
    for (int i = 0; i < 300; ++i) {
      std::string line;
      for (int n = static_cast<int>(rng() % 9); n > 0; --n) line += parts[rng() % parts.size()];
      lines.push_back(line);
    }
    return lines;
  }

  std::string Run(const std::string& command) {
    const std::string out = dir_.File("out.txt");
    EXPECT_EQ(std::system((command + " > " + out + " 2>/dev/null").c_str()), 0) << command;
    std::ifstream in(out);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::vector<std::string> RunLines(const std::string& command,
                                    const std::vector<std::string>& in) {
    std::string text;
    for (const std::string& line : in) text += line + "\n";
    WriteFile(dir_.File("in.txt"), text);
    std::istringstream out(Run(command + " < " + dir_.File("in.txt")));
    std::vector<std::string> lines;
    for (std::string line; std::getline(out, line);) lines.push_back(line);
    return lines;
  }

  static std::string JoinIds(const std::vector<int32_t>& ids) {
    std::string out;
    for (const int32_t id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
    return out;
  }

  void CompareWithReference(const std::string& train_flags) {
    WriteFile(dir_.File("corpus.txt"), Corpus());
    Run("spm_train --input=" + dir_.File("corpus.txt") + " --model_prefix=" +
        dir_.File("tokenizer") + " --model_type=bpe --vocab_size=400 --hard_vocab_limit=false" +
        " --character_coverage=1.0 --num_threads=1 " + train_flags);
    auto tokenizer = Load(dir_.path());
    ASSERT_NE(tokenizer, nullptr);
    const std::string model = " --model=" + dir_.File("tokenizer.model");
    const std::vector<std::string> lines = TestLines();
    const std::vector<std::string> expected =
        RunLines("spm_encode --output_format=id" + model, lines);
    ASSERT_EQ(expected.size(), lines.size());
    std::vector<std::string> id_lines;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::vector<int32_t> ids = EncodeOk(*tokenizer, lines[i], false);
      EXPECT_EQ(JoinIds(ids), expected[i]) << "encoding \"" << lines[i] << "\"";
      id_lines.push_back(expected[i]);
    }
    const std::vector<std::string> decoded =
        RunLines("spm_decode --input_format=id" + model, id_lines);
    ASSERT_EQ(decoded.size(), lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!lines[i].empty() && lines[i][0] == ' ') continue;  // spm 0.1.97 drops all leading spaces
      EXPECT_EQ(tokenizer->Decode(EncodeOk(*tokenizer, lines[i], false)), decoded[i])
          << "decoding \"" << lines[i] << "\"";
    }
  }

  TempDir dir_;
};

TEST_F(SentencePieceReferenceTest, Llama2StyleModel) {
  CompareWithReference(
      "--bos_id=1 --eos_id=2 --unk_id=0 --pad_id=-1 --byte_fallback=true"
      " --normalization_rule_name=identity --remove_extra_whitespaces=false --split_digits=true");
}

TEST_F(SentencePieceReferenceTest, UserSymbolsAndWhitespaceCleanup) {
  CompareWithReference(
      "--normalization_rule_name=identity --remove_extra_whitespaces=true"
      " --user_defined_symbols='<sep>' --character_coverage=0.98");
}

TEST_F(SentencePieceReferenceTest, RejectsPrecompiledNormalizer) {
  WriteFile(dir_.File("corpus.txt"), Corpus());
  Run("spm_train --input=" + dir_.File("corpus.txt") + " --model_prefix=" + dir_.File("tokenizer") +
      " --model_type=bpe --vocab_size=100 --num_threads=1");
  const absl::Status status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, "nmt_nfkc"));
}

// ---- byte-level BPE ---------------------------------------------------------------------------

// GPT-2's bytes_to_unicode, written independently of bpe_tokenizer.cc.
std::string ByteChar(int b) {
  static const std::vector<std::string>* const table = [] {
    auto* t = new std::vector<std::string>(256);
    int next = 256;
    for (int i = 0; i < 256; ++i) {
      const bool keep = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE;
      const int c = keep ? i : next++;
      std::string utf8;
      if (c < 0x80) {
        utf8 = std::string(1, static_cast<char>(c));
      } else {  // every mapped code point is below 0x800
        utf8 = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
      }
      (*t)[i] = utf8;
    }
    return t;
  }();
  return (*table)[b];
}

constexpr int32_t kHe = 256, kLl = 257, kLlo = 258, kHello = 259, kGw = 260, kOr = 261, kGwor = 262,
                  kGworld = 263, kBot = 264, kEot = 265, kX = 266, kXy = 267;

const char kGpt2Pre[] = R"({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                            "use_regex": true})";
const char kLlama3Pre[] = R"({"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
     "behavior": "Isolated", "invert": false},
    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]})";
const char kBosTemplate[] = R"({"type": "Sequence", "processors": [
    {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
    {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [], "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>",
                                    "ids": [264], "tokens": ["<|begin_of_text|>"]}}}]})";

// A tokenizer.json: the 256 byte characters (byte b has id b), merges building "hello" and
// "Ġwor", the unreachable whole word "Ġworld", two special and two plain added tokens.
json TokenizerJson(std::string_view pre_tokenizer, bool ignore_merges = false,
                   std::string_view post_processor = "null") {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteChar(b)] = b;
  const std::vector<std::pair<std::string, int32_t>> words = {
      {"he", kHe}, {"ll", kLl}, {"llo", kLlo},   {"hello", kHello},
      {"Ġw", kGw}, {"or", kOr}, {"Ġwor", kGwor}, {"Ġworld", kGworld}};
  for (const auto& [word, id] : words) vocab[word] = id;
  json added = json::array();
  for (const auto& [content, id, special] :
       std::vector<std::tuple<std::string, int32_t, bool>>{{"<|begin_of_text|>", kBot, true},
                                                           {"<|end_of_text|>", kEot, true},
                                                           {"<x>", kX, false},
                                                           {"<x>y", kXy, false}}) {
    added.push_back({{"id", id}, {"content", content}, {"special", special}});
  }
  return {{"version", "1.0"},
          {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", json::parse(pre_tokenizer)},
          {"post_processor", json::parse(post_processor)},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model",
           {{"type", "BPE"},
            {"ignore_merges", ignore_merges},
            {"vocab", vocab},
            // Both spellings of a merge occur in real files.
            {"merges", json::array({"h e", "l l", json::array({"ll", "o"}), "he llo", "Ġ w", "o r",
                                    "Ġw or"})}}}};
}

class BpeTokenizerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Tokenizer> LoadJson(const json& tokenizer_json, std::string_view config = "") {
    WriteFile(dir_.File("tokenizer.json"), tokenizer_json.dump());
    if (!config.empty()) WriteFile(dir_.File("tokenizer_config.json"), config);
    return Load(dir_.path());
  }
  absl::Status LoadError(std::string_view tokenizer_json) {
    WriteFile(dir_.File("tokenizer.json"), tokenizer_json);
    return Tokenizer::FromDirectory(dir_.path()).status();
  }

  TempDir dir_;
};

TEST_F(BpeTokenizerTest, AppliesMergesByRank) {
  for (const char* pre : {kGpt2Pre, kLlama3Pre}) {
    auto tokenizer = LoadJson(TokenizerJson(pre));
    ASSERT_NE(tokenizer, nullptr);
    EXPECT_EQ(tokenizer->kind(), "bpe");
    EXPECT_EQ(tokenizer->vocab_size(), 268);
    // "hello" -> h e l l o -> he l l o -> he ll o -> he llo -> hello; " world" -> Ġw or l d.
    const std::vector<int32_t> expected = {kHello, kGwor, 'l', 'd'};
    EXPECT_EQ(EncodeOk(*tokenizer, "hello world", true), expected);
    EXPECT_EQ(tokenizer->Decode(expected), "hello world");
    EXPECT_EQ(tokenizer->IdToPiece(kGwor), "Ġwor");
    EXPECT_FALSE(tokenizer->add_bos());
    EXPECT_FALSE(tokenizer->bos_id().has_value());
  }
}

TEST_F(BpeTokenizerTest, IgnoreMergesTakesWholeWordsFromVocab) {
  auto tokenizer = LoadJson(TokenizerJson(kLlama3Pre, /*ignore_merges=*/true));
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello world", false), (std::vector<int32_t>{kHello, kGworld}));
  // A word that is not in the vocabulary still goes through the merges.
  EXPECT_EQ(EncodeOk(*tokenizer, " wore", false), (std::vector<int32_t>{kGwor, 'e'}));
}

TEST_F(BpeTokenizerTest, MatchesAddedTokensLongestFirst) {
  auto tokenizer = LoadJson(TokenizerJson(kLlama3Pre));
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "<|begin_of_text|>hello<|end_of_text|>", false),
            (std::vector<int32_t>{kBot, kHello, kEot}));
  EXPECT_EQ(EncodeOk(*tokenizer, "<x>y<x>a<x", false),
            (std::vector<int32_t>{kXy, kX, 'a', '<', 'x'}));
  // Special added tokens are dropped on decode; plain ones are kept.
  EXPECT_EQ(tokenizer->Decode({kBot, kHello, kEot, kXy, kX}), "hello<x>y<x>");
  EXPECT_EQ(tokenizer->IdToPiece(kBot), "<|begin_of_text|>");
}

TEST_F(BpeTokenizerTest, RoundTripsArbitraryUtf8) {
  for (const char* pre : {kGpt2Pre, kLlama3Pre}) {
    auto tokenizer = LoadJson(TokenizerJson(pre));
    ASSERT_NE(tokenizer, nullptr);
    for (const std::string& text : RoundTripStrings()) {
      EXPECT_EQ(tokenizer->Decode(EncodeOk(*tokenizer, text, true)), text);
    }
    const std::string invalid_utf8 = "ok \xff\xfe\xc3 end";
    EXPECT_EQ(tokenizer->Decode(EncodeOk(*tokenizer, invalid_utf8, true)), invalid_utf8);
    // "é" is C3 A9: one id per byte, each the byte's own id.
    EXPECT_EQ(EncodeOk(*tokenizer, "é", false), (std::vector<int32_t>{0xC3, 0xA9}));
  }
}

TEST_F(BpeTokenizerTest, BosFromPostProcessorTemplate) {
  auto tokenizer = LoadJson(TokenizerJson(kLlama3Pre, false, kBosTemplate));
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_TRUE(tokenizer->add_bos());
  EXPECT_EQ(tokenizer->bos_id(), kBot);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", true), (std::vector<int32_t>{kBot, kHello}));
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", false), (std::vector<int32_t>{kHello}));
  EXPECT_EQ(tokenizer->Decode({kBot, kHello}), "hello");
}

TEST_F(BpeTokenizerTest, ConfigOverridesTemplate) {
  auto tokenizer = LoadJson(TokenizerJson(kLlama3Pre, false, kBosTemplate),
                            R"({"add_bos_token": false, "add_eos_token": true,
                                "bos_token": "<|begin_of_text|>",
                                "eos_token": {"content": "<|end_of_text|>"}})");
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->bos_id(), kBot);
  EXPECT_EQ(tokenizer->eos_id(), kEot);
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", true), (std::vector<int32_t>{kHello, kEot}));
}

TEST_F(BpeTokenizerTest, BosTokenFromConfigWithoutTemplate) {
  auto tokenizer = LoadJson(TokenizerJson(kGpt2Pre),
                            R"({"add_bos_token": true, "bos_token": "<|begin_of_text|>",
                                "eos_token": null})");
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_FALSE(tokenizer->eos_id().has_value());
  EXPECT_EQ(EncodeOk(*tokenizer, "hello", true), (std::vector<int32_t>{kBot, kHello}));
}

// ---- pre-tokenizer splits -----------------------------------------------------------------------

std::vector<std::string> Split(std::string_view text, SplitPattern pattern) {
  std::vector<std::string> out;
  for (const std::string_view piece : SplitPreTokens(text, pattern)) out.emplace_back(piece);
  return out;
}

using Pieces = std::vector<std::string>;

TEST(SplitPreTokensTest, Llama3Pattern) {
  const auto llama3 = SplitPattern::kLlama3;
  EXPECT_EQ(Split("don't", llama3), (Pieces{"don", "'t"}));
  EXPECT_EQ(Split("I'M here", llama3), (Pieces{"I", "'M", " here"}));
  EXPECT_EQ(Split("they'RE", llama3), (Pieces{"they", "'RE"}));
  EXPECT_EQ(Split("12345", llama3), (Pieces{"123", "45"}));
  EXPECT_EQ(Split("a  b", llama3), (Pieces{"a", " ", " b"}));
  EXPECT_EQ(Split("hi\n\nthere", llama3), (Pieces{"hi", "\n\n", "there"}));
  EXPECT_EQ(Split("x!\n\ny", llama3), (Pieces{"x", "!\n\n", "y"}));
  EXPECT_EQ(Split("line1\r\nline2", llama3), (Pieces{"line", "1", "\r\n", "line", "2"}));
  EXPECT_EQ(Split("  \n  x", llama3), (Pieces{"  \n", " ", " x"}));
  EXPECT_EQ(Split("Hello, world!", llama3), (Pieces{"Hello", ",", " world", "!"}));
  EXPECT_EQ(Split("trailing  ", llama3), (Pieces{"trailing", "  "}));
  EXPECT_EQ(Split("café 東京 $100", llama3), (Pieces{"café", " 東京", " $", "100"}));
  EXPECT_EQ(Split("(hello)", llama3), (Pieces{"(hello", ")"}));
  EXPECT_EQ(Split("", llama3), Pieces{});
}

TEST(SplitPreTokensTest, Qwen2SplitsSingleDigits) {
  EXPECT_EQ(Split("12345", SplitPattern::kQwen2), (Pieces{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(Split("abc 42", SplitPattern::kQwen2), (Pieces{"abc", " ", "4", "2"}));
  EXPECT_EQ(Split("don't", SplitPattern::kQwen2), (Pieces{"don", "'t"}));
}

TEST(SplitPreTokensTest, Gpt2Pattern) {
  EXPECT_EQ(Split("I'M 12345  x", SplitPattern::kGpt2),
            (Pieces{"I", "'", "M", " 12345", " ", " x"}));
  EXPECT_EQ(Split("don't (hello)", SplitPattern::kGpt2), (Pieces{"don", "'t", " (", "hello", ")"}));
}

TEST_F(BpeTokenizerTest, Qwen2PatternInTokenizerJson) {
  std::string pre = kLlama3Pre;
  pre.replace(pre.find("{1,3}"), 5, "");
  auto tokenizer = LoadJson(TokenizerJson(pre));
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EncodeOk(*tokenizer, "123", false), (std::vector<int32_t>{'1', '2', '3'}));
}

// ---- malformed files ----------------------------------------------------------------------------

TEST_F(BpeTokenizerTest, RejectsNonJson) {
  const absl::Status status = LoadError("{ not json");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer.json")));
}

TEST_F(BpeTokenizerTest, RejectsMissingVocab) {
  json tokenizer_json = TokenizerJson(kGpt2Pre);
  tokenizer_json["model"].erase("vocab");
  const absl::Status status = LoadError(tokenizer_json.dump());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer.json")));
  EXPECT_TRUE(MessageHas(status, "model.vocab"));
}

TEST_F(BpeTokenizerTest, RejectsMergeOfUnknownToken) {
  json tokenizer_json = TokenizerJson(kGpt2Pre);
  tokenizer_json["model"]["merges"].push_back("Ġwor zz");
  const absl::Status status = LoadError(tokenizer_json.dump());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer.json")));
  EXPECT_TRUE(MessageHas(status, "model.merges[7]"));
  EXPECT_TRUE(MessageHas(status, "\"zz\""));
}

TEST_F(BpeTokenizerTest, RejectsUnsupportedPreTokenizers) {
  const absl::Status pattern = LoadError(TokenizerJson(R"({"type": "Sequence", "pretokenizers": [
          {"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"},
          {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]})")
                                             .dump());
  EXPECT_EQ(pattern.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(pattern, "\\w+"));
  EXPECT_TRUE(MessageHas(pattern, dir_.File("tokenizer.json")));
  const absl::Status metaspace =
      LoadError(TokenizerJson(R"({"type": "Metaspace", "replacement": "▁"})").dump());
  EXPECT_EQ(metaspace.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(metaspace, "Metaspace"));
}

TEST_F(BpeTokenizerTest, RejectsMalformedTokenizerConfig) {
  WriteFile(dir_.File("tokenizer.json"), TokenizerJson(kGpt2Pre).dump());
  WriteFile(dir_.File("tokenizer_config.json"), "[1, 2");
  absl::Status status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, dir_.File("tokenizer_config.json")));
  WriteFile(dir_.File("tokenizer_config.json"), R"({"add_bos_token": "yes"})");
  status = Tokenizer::FromDirectory(dir_.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(status, "add_bos_token"));
}

TEST(TokenizerTest, EmptyDirectoryIsNotFound) {
  TempDir dir;
  const absl::Status status = Tokenizer::FromDirectory(dir.path()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(MessageHas(status, dir.path()));
}

// ---- the bundled random model's tokenizer -----------------------------------------------------

TEST(TokenizerTest, LoadsWriteByteLevelTokenizer) {
  TempDir dir;
  ASSERT_TRUE(WriteByteLevelTokenizer(dir.path()).ok());
  auto tokenizer = Load(dir.path());
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->kind(), "bpe");
  EXPECT_EQ(tokenizer->vocab_size(), kByteLevelTokenizerSize);
  EXPECT_EQ(tokenizer->bos_id(), kByteLevelBosId);
  EXPECT_EQ(tokenizer->eos_id(), kByteLevelEosId);
  EXPECT_TRUE(tokenizer->add_bos());
  EXPECT_FALSE(tokenizer->add_eos());
  EXPECT_EQ(tokenizer->IdToPiece(kByteLevelBosId), "<|begin_of_text|>");
  // Bytes are ids 0..255: "!" alone is the byte 0x21.
  EXPECT_EQ(EncodeOk(*tokenizer, "!", true), (std::vector<int32_t>{kByteLevelBosId, '!'}));
  for (const std::string& text : RoundTripStrings()) {
    const std::vector<int32_t> ids = EncodeOk(*tokenizer, text, true);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), kByteLevelBosId);
    EXPECT_EQ(tokenizer->Decode(ids), text);
  }
}

}  // namespace
}  // namespace depthlab::engine
