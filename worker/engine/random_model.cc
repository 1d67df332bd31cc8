#include "worker/engine/random_model.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace depthlab::engine {
namespace {

using nlohmann::json;

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

// GPT-2's reversible byte -> printable code point map, as UTF-8.
std::string ByteSymbol(int b) {
  const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
  int code = b;
  if (!printable) {
    int n = 0;
    for (int c = 0; c < b; ++c) {
      if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE))) ++n;
    }
    code = 256 + n;
  }
  std::string s;
  if (code < 0x80) {
    s.push_back(static_cast<char>(code));
  } else {
    s.push_back(static_cast<char>(0xC0 | (code >> 6)));
    s.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
  return s;
}

class WeightFactory {
 public:
  WeightFactory(const RandomModelOptions& o) : options_(o), rng_(o.seed) {}

  void Matrix(const std::string& name, int64_t rows, int64_t cols) {
    Add(name, {rows, cols}, 0.0, options_.init_std);
  }
  void Vector(const std::string& name, int64_t n, double mean, double std) {
    Add(name, {n}, mean, std);
  }
  std::vector<std::pair<std::string, std::vector<int64_t>>>& order() { return order_; }
  std::map<std::string, std::vector<float>>& values() { return values_; }

 private:
  void Add(const std::string& name, std::vector<int64_t> shape, double mean, double std) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::normal_distribution<double> normal(mean, std);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = static_cast<float>(normal(rng_));
    values_[name] = std::move(v);
    order_.emplace_back(name, std::move(shape));
  }

  const RandomModelOptions& options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<std::string, std::vector<int64_t>>> order_;
  std::map<std::string, std::vector<float>> values_;
};

void MakeLayer(const ModelConfig& c, int i, double jitter, double std, WeightFactory* f) {
  const std::string p = absl::StrCat("model.layers.", i, ".");
  f->Vector(p + "input_layernorm.weight", c.hidden_size, 1.0, jitter);
  f->Matrix(p + "self_attn.q_proj.weight", c.q_dim(), c.hidden_size);
  f->Matrix(p + "self_attn.k_proj.weight", c.kv_dim(), c.hidden_size);
  f->Matrix(p + "self_attn.v_proj.weight", c.kv_dim(), c.hidden_size);
  if (c.qkv_bias) {
    f->Vector(p + "self_attn.q_proj.bias", c.q_dim(), 0.0, std);
    f->Vector(p + "self_attn.k_proj.bias", c.kv_dim(), 0.0, std);
    f->Vector(p + "self_attn.v_proj.bias", c.kv_dim(), 0.0, std);
  }
  f->Matrix(p + "self_attn.o_proj.weight", c.hidden_size, c.q_dim());
  if (c.o_bias) f->Vector(p + "self_attn.o_proj.bias", c.hidden_size, 0.0, std);
  f->Vector(p + "post_attention_layernorm.weight", c.hidden_size, 1.0, jitter);
  f->Matrix(p + "mlp.gate_proj.weight", c.intermediate_size, c.hidden_size);
  f->Matrix(p + "mlp.up_proj.weight", c.intermediate_size, c.hidden_size);
  f->Matrix(p + "mlp.down_proj.weight", c.hidden_size, c.intermediate_size);
}

void AddConverted(SafetensorsWriter* w, const std::string& name, DType dtype,
                  const std::vector<int64_t>& shape, const std::vector<float>& v) {
  if (dtype == DType::kF32) {
    w->AddF32(name, shape, v);
    return;
  }
  std::vector<uint16_t> half(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    half[i] = dtype == DType::kF16 ? FloatToHalf(v[i]) : FloatToBFloat16(v[i]);
  }
  w->Add(name, dtype, shape, half.data());
}

absl::Status WriteWeights(const std::string& dir, const RandomModelOptions& o, WeightFactory& f) {
  const int shards = std::max(1, o.num_shards);
  std::vector<SafetensorsWriter> writers(static_cast<size_t>(shards));
  json weight_map = json::object();
  for (size_t i = 0; i < f.order().size(); ++i) {
    const auto& [name, shape] = f.order()[i];
    const size_t shard = i * static_cast<size_t>(shards) / f.order().size();
    AddConverted(&writers[shard], name, o.dtype, shape, f.values()[name]);
    weight_map[name] = absl::StrFormat("model-%05d-of-%05d.safetensors", shard + 1, shards);
  }
  for (auto& w : writers) w.SetMetadata("format", "pt");
  if (shards == 1) return writers[0].WriteFile(dir + "/model.safetensors");
  for (int s = 0; s < shards; ++s) {
    DEPTHLAB_RETURN_IF_ERROR(writers[static_cast<size_t>(s)].WriteFile(
        absl::StrFormat("%s/model-%05d-of-%05d.safetensors", dir, s + 1, shards)));
  }
  json index = {{"metadata", json::object()}, {"weight_map", weight_map}};
  return WriteText(dir + "/model.safetensors.index.json", index.dump(2));
}

}  // namespace

ModelConfig RandomModelOptions::DefaultConfig() {
  ModelConfig c;
  c.model_type = "llama";
  c.vocab_size = 320;
  c.hidden_size = 64;
  c.intermediate_size = 128;
  c.num_hidden_layers = 4;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000.0;
  c.max_position_embeddings = 2048;
  c.bos_token_id = kByteLevelBosId;
  c.eos_token_id = kByteLevelEosId;
  return c;
}

absl::Status WriteByteLevelTokenizer(const std::string& dir) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteSymbol(b)] = b;
  const std::string sp = ByteSymbol(' ');  // "Ġ"
  const std::vector<std::pair<std::string, std::string>> merges = {
      {sp, "t"}, {"h", "e"}, {sp + "t", "he"}, {"i", "n"}, {"e", "r"}, {"a", "n"}};
  json merge_list = json::array();
  int next = 256;
  for (const auto& [a, b] : merges) {
    vocab[a + b] = next++;
    merge_list.push_back(a + " " + b);
  }
  const char* specials[] = {"<|begin_of_text|>", "<|end_of_text|>", "<|pad|>"};
  json added = json::array();
  for (const char* s : specials) {
    added.push_back({{"id", next++},
                     {"content", s},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  const std::string pattern =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  json split = json::object();
  split["type"] = "Split";
  split["pattern"]["Regex"] = pattern;
  split["behavior"] = "Isolated";
  split["invert"] = false;
  json byte_level = json::object();
  byte_level["type"] = "ByteLevel";
  byte_level["add_prefix_space"] = false;
  byte_level["trim_offsets"] = true;
  byte_level["use_regex"] = false;
  json template_processing = json::object();
  template_processing["type"] = "TemplateProcessing";
  template_processing["single"] = json::array();
  template_processing["single"].push_back(json::object());
  template_processing["single"][0]["SpecialToken"]["id"] = specials[0];
  template_processing["single"][0]["SpecialToken"]["type_id"] = 0;
  template_processing["single"].push_back(json::object());
  template_processing["single"][1]["Sequence"]["id"] = "A";
  template_processing["single"][1]["Sequence"]["type_id"] = 0;
  json model = json::object();
  model["type"] = "BPE";
  model["dropout"] = nullptr;
  model["unk_token"] = nullptr;
  model["fuse_unk"] = false;
  model["byte_fallback"] = false;
  model["ignore_merges"] = true;
  model["vocab"] = vocab;
  model["merges"] = merge_list;
  json tokenizer = json::object();
  tokenizer["version"] = "1.0";
  tokenizer["added_tokens"] = added;
  tokenizer["normalizer"] = nullptr;
  tokenizer["pre_tokenizer"]["type"] = "Sequence";
  tokenizer["pre_tokenizer"]["pretokenizers"] = json::array({split, byte_level});
  tokenizer["post_processor"] = template_processing;
  tokenizer["decoder"]["type"] = "ByteLevel";
  tokenizer["model"] = model;
  json config = {{"add_bos_token", true},    {"add_eos_token", false},
                 {"bos_token", specials[0]}, {"eos_token", specials[1]},
                 {"pad_token", specials[2]}, {"tokenizer_class", "PreTrainedTokenizerFast"}};
  DEPTHLAB_RETURN_IF_ERROR(WriteText(dir + "/tokenizer.json", tokenizer.dump(1)));
  return WriteText(dir + "/tokenizer_config.json", config.dump(2));
}

absl::Status WriteRandomModel(const std::string& dir, const RandomModelOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  if (options.config.vocab_size < kByteLevelTokenizerSize) {
    return absl::InvalidArgumentError(absl::StrCat("vocab_size must be at least ",
                                                   kByteLevelTokenizerSize, " for the tokenizer"));
  }
  // Round-trip through config.json so the weights follow exactly what a loader will read.
  const std::string config_json = options.config.ToJson();
  DEPTHLAB_ASSIGN_OR_RETURN(ModelConfig c, ModelConfig::Parse(config_json, dir + "/config.json"));
  DEPTHLAB_RETURN_IF_ERROR(WriteText(dir + "/config.json", config_json));

  WeightFactory f(options);
  f.Matrix("model.embed_tokens.weight", c.vocab_size, c.hidden_size);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    MakeLayer(c, i, options.norm_jitter, options.init_std, &f);
  }
  f.Vector("model.norm.weight", c.hidden_size, 1.0, options.norm_jitter);
  if (!c.tie_word_embeddings) f.Matrix("lm_head.weight", c.vocab_size, c.hidden_size);
  DEPTHLAB_RETURN_IF_ERROR(WriteWeights(dir, options, f));
  return WriteByteLevelTokenizer(dir);
}

}  // namespace depthlab::engine
