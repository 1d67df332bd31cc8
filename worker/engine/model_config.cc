#include "worker/engine/model_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace depthlab::engine {
namespace {

using nlohmann::json;

// Field readers: absent optional fields keep *out; present fields of the wrong type are errors.
class FieldReader {
 public:
  FieldReader(const json& j, const std::string& source) : j_(j), source_(source) {}

  absl::Status Int(const char* name, bool required, int* out, int64_t min_value = 1) const {
    const json* v = Get(name);
    if (v == nullptr) return required ? Missing(name) : absl::OkStatus();
    if (!v->is_number_integer()) return WrongType(name, "an integer");
    const int64_t value = v->get<int64_t>();
    if (value < min_value || value > (int64_t{1} << 30)) {
      return WrongType(name, min_value > 0 ? "a positive integer" : "a non-negative integer");
    }
    *out = static_cast<int>(value);
    return absl::OkStatus();
  }

  absl::Status Double(const char* name, bool required, double* out) const {
    const json* v = Get(name);
    if (v == nullptr) return required ? Missing(name) : absl::OkStatus();
    if (!v->is_number()) return WrongType(name, "a number");
    *out = v->get<double>();
    return absl::OkStatus();
  }

  absl::Status Bool(const char* name, bool* out) const {
    const json* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_boolean()) return WrongType(name, "true or false");
    *out = v->get<bool>();
    return absl::OkStatus();
  }

  // An integer, or the first of a list of integers (eos_token_id in LLaMA-3.1).
  absl::Status TokenId(const char* name, std::optional<int>* out) const {
    const json* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    if (v->is_array() && !v->empty()) v = &(*v)[0];
    if (!v->is_number_integer()) return WrongType(name, "a token id");
    *out = v->get<int>();
    return absl::OkStatus();
  }

  // nullptr for absent or null fields.
  const json* Get(const char* name) const {
    auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  absl::Status Missing(const std::string& name) const {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": missing required field '", name, "'"));
  }
  absl::Status WrongType(const std::string& name, const char* expected) const {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": field '", name, "' must be ", expected));
  }
  absl::Status Invalid(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", what));
  }

 private:
  const json& j_;
  const std::string& source_;
};

absl::Status ParseRopeScaling(const FieldReader& r, const std::string& source, ModelConfig* c) {
  const json* v = r.Get("rope_scaling");
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_object()) return r.WrongType("rope_scaling", "an object or null");
  FieldReader s(*v, source);
  RopeScaling scaling;
  const json* type = s.Get("rope_type");
  if (type == nullptr) type = s.Get("type");
  if (type == nullptr || !type->is_string()) return r.Missing("rope_scaling.rope_type");
  scaling.rope_type = type->get<std::string>();
  if (scaling.rope_type == "default") return absl::OkStatus();
  if (scaling.rope_type != "llama3" && scaling.rope_type != "linear") {
    return r.Invalid(absl::StrCat("rope_scaling.rope_type '", scaling.rope_type,
                                  "' is not supported (supported: llama3, linear)"));
  }
  DEPTHLAB_RETURN_IF_ERROR(s.Double("factor", true, &scaling.factor));
  if (scaling.rope_type == "llama3") {
    DEPTHLAB_RETURN_IF_ERROR(s.Double("low_freq_factor", true, &scaling.low_freq_factor));
    DEPTHLAB_RETURN_IF_ERROR(s.Double("high_freq_factor", true, &scaling.high_freq_factor));
    DEPTHLAB_RETURN_IF_ERROR(
        s.Int("original_max_position_embeddings", true, &scaling.original_max_position_embeddings));
    if (scaling.high_freq_factor <= scaling.low_freq_factor) {
      return r.Invalid("rope_scaling.high_freq_factor must exceed low_freq_factor");
    }
  }
  if (scaling.factor <= 0) return r.Invalid("rope_scaling.factor must be positive");
  c->rope_scaling = scaling;
  return absl::OkStatus();
}

absl::Status ParseArchitecture(const FieldReader& r, ModelConfig* c) {
  DEPTHLAB_RETURN_IF_ERROR(r.Int("vocab_size", true, &c->vocab_size));
  DEPTHLAB_RETURN_IF_ERROR(r.Int("hidden_size", true, &c->hidden_size));
  DEPTHLAB_RETURN_IF_ERROR(r.Int("intermediate_size", true, &c->intermediate_size));
  DEPTHLAB_RETURN_IF_ERROR(r.Int("num_hidden_layers", true, &c->num_hidden_layers));
  DEPTHLAB_RETURN_IF_ERROR(r.Int("num_attention_heads", true, &c->num_attention_heads));
  DEPTHLAB_RETURN_IF_ERROR(r.Double("rms_norm_eps", true, &c->rms_norm_eps));
  c->num_key_value_heads = c->num_attention_heads;
  DEPTHLAB_RETURN_IF_ERROR(r.Int("num_key_value_heads", false, &c->num_key_value_heads));
  if (r.Get("head_dim") == nullptr && c->hidden_size % c->num_attention_heads != 0) {
    return r.Invalid("hidden_size must be divisible by num_attention_heads (or set head_dim)");
  }
  c->head_dim = c->hidden_size / c->num_attention_heads;
  DEPTHLAB_RETURN_IF_ERROR(r.Int("head_dim", false, &c->head_dim));
  if (c->head_dim % 2 != 0) return r.Invalid("head_dim must be even for rotary embeddings");
  if (c->num_attention_heads % c->num_key_value_heads != 0) {
    return r.Invalid("num_attention_heads must be a multiple of num_key_value_heads");
  }
  DEPTHLAB_RETURN_IF_ERROR(r.Double("rope_theta", false, &c->rope_theta));
  if (c->rope_theta <= 0) return r.Invalid("rope_theta must be positive");
  DEPTHLAB_RETURN_IF_ERROR(r.Int("max_position_embeddings", false, &c->max_position_embeddings));
  if (c->rms_norm_eps <= 0) return r.Invalid("rms_norm_eps must be positive");
  return absl::OkStatus();
}

absl::Status ParseFamilyOptions(const FieldReader& r, ModelConfig* c) {
  DEPTHLAB_RETURN_IF_ERROR(r.Bool("tie_word_embeddings", &c->tie_word_embeddings));
  if (c->model_type == "qwen2") {
    c->qkv_bias = true;
    bool use_sliding_window = false;
    DEPTHLAB_RETURN_IF_ERROR(r.Bool("use_sliding_window", &use_sliding_window));
    if (use_sliding_window) {
      int window = 0;
      DEPTHLAB_RETURN_IF_ERROR(r.Int("sliding_window", true, &window));
      c->sliding_window = window;
      c->sliding_window_from_layer = 28;  // HF Qwen2Config's default max_window_layers
      DEPTHLAB_RETURN_IF_ERROR(r.Int("max_window_layers", false, &c->sliding_window_from_layer, 0));
    }
  } else {
    bool attention_bias = false;
    DEPTHLAB_RETURN_IF_ERROR(r.Bool("attention_bias", &attention_bias));
    c->qkv_bias = c->o_bias = attention_bias;
    if (c->model_type == "mistral" && r.Get("sliding_window") != nullptr) {
      int window = 0;
      DEPTHLAB_RETURN_IF_ERROR(r.Int("sliding_window", true, &window));
      c->sliding_window = window;
    }
  }
  DEPTHLAB_RETURN_IF_ERROR(r.TokenId("bos_token_id", &c->bos_token_id));
  DEPTHLAB_RETURN_IF_ERROR(r.TokenId("eos_token_id", &c->eos_token_id));
  if (const json* dtype = r.Get("torch_dtype"); dtype != nullptr && dtype->is_string()) {
    c->torch_dtype = dtype->get<std::string>();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelConfig> ModelConfig::Parse(std::string_view json_text,
                                               const std::string& source) {
  const json j =
      json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  FieldReader r(j, source);
  ModelConfig c;
  const json* type = r.Get("model_type");
  if (type == nullptr) return r.Missing("model_type");
  if (!type->is_string()) return r.WrongType("model_type", "a string");
  c.model_type = type->get<std::string>();
  if (c.model_type != "llama" && c.model_type != "mistral" && c.model_type != "qwen2") {
    return r.Invalid(absl::StrCat("model_type '", c.model_type,
                                  "' is not supported (supported: llama, mistral, qwen2)"));
  }
  DEPTHLAB_RETURN_IF_ERROR(ParseArchitecture(r, &c));
  DEPTHLAB_RETURN_IF_ERROR(ParseRopeScaling(r, source, &c));
  DEPTHLAB_RETURN_IF_ERROR(ParseFamilyOptions(r, &c));
  return c;
}

absl::StatusOr<ModelConfig> ModelConfig::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        path, ": cannot open (expected a Hugging Face model directory's config.json)"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(buffer.str(), path);
}

std::string ModelConfig::ToJson() const {
  json j;
  j["architectures"] = {model_type == "qwen2"     ? "Qwen2ForCausalLM"
                        : model_type == "mistral" ? "MistralForCausalLM"
                                                  : "LlamaForCausalLM"};
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  j["head_dim"] = head_dim;
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  j["max_position_embeddings"] = max_position_embeddings;
  j["tie_word_embeddings"] = tie_word_embeddings;
  j["hidden_act"] = "silu";
  j["torch_dtype"] = torch_dtype;
  if (rope_scaling) {
    json s{{"rope_type", rope_scaling->rope_type}, {"factor", rope_scaling->factor}};
    if (rope_scaling->rope_type == "llama3") {
      s["low_freq_factor"] = rope_scaling->low_freq_factor;
      s["high_freq_factor"] = rope_scaling->high_freq_factor;
      s["original_max_position_embeddings"] = rope_scaling->original_max_position_embeddings;
    }
    j["rope_scaling"] = s;
  } else {
    j["rope_scaling"] = nullptr;
  }
  if (model_type == "qwen2") {
    j["use_sliding_window"] = sliding_window.has_value();
    j["sliding_window"] = sliding_window.value_or(max_position_embeddings);
    j["max_window_layers"] = sliding_window_from_layer;
  } else {
    j["attention_bias"] = qkv_bias;
    j["sliding_window"] = sliding_window ? json(*sliding_window) : json(nullptr);
  }
  if (bos_token_id) j["bos_token_id"] = *bos_token_id;
  if (eos_token_id) j["eos_token_id"] = *eos_token_id;
  return j.dump(2);
}

}  // namespace depthlab::engine
