// Loads the weights of a Hugging Face LLaMA-family checkpoint (model.safetensors, or the shards
// listed in model.safetensors.index.json) into libtorch tensors of the run dtype on the run device.
// Every expected tensor is checked for presence and shape; errors name the file and tensor.
// Internal to worker/engine (includes ATen).
#ifndef DEPTHLAB_WORKER_ENGINE_WEIGHTS_H_
#define DEPTHLAB_WORKER_ENGINE_WEIGHTS_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/model_config.h"

namespace depthlab::engine {

// HF layout: weight matrices are [out_features, in_features].
struct LayerWeights {
  at::Tensor input_layernorm;           // [hidden]
  at::Tensor q_proj, k_proj, v_proj;    // [q_dim, hidden], [kv_dim, hidden], [kv_dim, hidden]
  at::Tensor q_bias, k_bias, v_bias;    // [q_dim], [kv_dim], [kv_dim] or undefined
  at::Tensor o_proj;                    // [hidden, q_dim]
  at::Tensor o_bias;                    // [hidden] or undefined
  at::Tensor post_attention_layernorm;  // [hidden]
  at::Tensor gate_proj, up_proj;        // [intermediate, hidden]
  at::Tensor down_proj;                 // [hidden, intermediate]
};

struct ModelWeights {
  at::Tensor embed_tokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  at::Tensor norm;     // [hidden]
  at::Tensor lm_head;  // [vocab, hidden]; aliases embed_tokens when tied
};

// REQUIRES: config was parsed from the same directory.
absl::StatusOr<ModelWeights> LoadWeights(const std::string& model_dir, const ModelConfig& config,
                                         at::ScalarType dtype, at::Device device);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_WEIGHTS_H_
