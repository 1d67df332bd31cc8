// The architecture hyper-parameters of a Hugging Face LLaMA-family checkpoint, read from its
// config.json (model types llama, mistral, qwen2). Field names follow config.json.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(ModelConfig config, ModelConfig::FromFile(dir + "/config.json"));
#ifndef DEPTHLAB_WORKER_ENGINE_MODEL_CONFIG_H_
#define DEPTHLAB_WORKER_ENGINE_MODEL_CONFIG_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace depthlab::engine {

// rope_scaling of type "llama3" (LLaMA-3.1 style frequency-dependent scaling).
struct RopeScaling {
  std::string rope_type;  // "llama3"
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int original_max_position_embeddings = 8192;
};

// Plain value type; thread-compatible.
struct ModelConfig {
  std::string model_type;  // "llama", "mistral" or "qwen2"
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;  // defaults to num_attention_heads
  int head_dim = 0;             // defaults to hidden_size / num_attention_heads
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  std::optional<int> sliding_window;  // Mistral; Qwen2 only when use_sliding_window is true
  int sliding_window_from_layer = 0;  // Qwen2: max_window_layers (earlier layers attend fully)
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // q/k/v projections carry biases (qwen2; llama attention_bias)
  bool o_bias = false;    // o_proj carries a bias (llama attention_bias)
  int max_position_embeddings = 4096;
  std::optional<int> bos_token_id;
  std::optional<int> eos_token_id;
  std::string torch_dtype = "float32";

  // Parses config.json text; `source` names the file in errors. Missing required fields, wrong
  // types, unknown model types and inconsistent sizes are InvalidArgument naming the field.
  static absl::StatusOr<ModelConfig> Parse(std::string_view json_text, const std::string& source);
  static absl::StatusOr<ModelConfig> FromFile(const std::string& path);

  // config.json text that Parse reads back to an equal config (used to write checkpoints).
  std::string ToJson() const;

  int kv_dim() const { return num_key_value_heads * head_dim; }
  int q_dim() const { return num_attention_heads * head_dim; }
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_MODEL_CONFIG_H_
