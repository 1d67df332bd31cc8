// Writes a small random-weight Hugging Face model directory (config.json, safetensors weights,
// byte-level BPE tokenizer.json + tokenizer_config.json), deterministic by seed. Used by tests,
// benchmarks and the demo so that nothing is downloaded. Torch-free.
//
//   RandomModelOptions o; o.num_hidden_layers = 4; o.hidden_size = 64;
//   DEPTHLAB_RETURN_IF_ERROR(WriteRandomModel("/tmp/m", o));
#ifndef DEPTHLAB_WORKER_ENGINE_RANDOM_MODEL_H_
#define DEPTHLAB_WORKER_ENGINE_RANDOM_MODEL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "worker/engine/model_config.h"
#include "worker/engine/safetensors.h"

namespace depthlab::engine {

struct RandomModelOptions {
  // The architecture; vocab_size must cover the tokenizer (kByteLevelTokenizerSize ids).
  ModelConfig config = DefaultConfig();
  DType dtype = DType::kF32;  // storage dtype of the weights
  int num_shards = 1;         // > 1 writes model-0000i-of-0000n.safetensors + index json
  uint64_t seed = 1;
  // Weights ~ N(0, init_std); norms ~ 1 + N(0, norm_jitter); biases ~ N(0, init_std).
  double init_std = 0.08;
  double norm_jitter = 0.1;

  static ModelConfig DefaultConfig();  // llama, 4 layers, hidden 64, GQA 4/2 heads, vocab 320
};

absl::Status WriteRandomModel(const std::string& dir, const RandomModelOptions& options);

// Writes tokenizer.json in the LLaMA-3 layout (byte-level BPE: ids 0..255 are the bytes, then a
// few merges, then the specials <|begin_of_text|>, <|end_of_text|>, <|pad|>) and
// tokenizer_config.json (add BOS, no EOS).
absl::Status WriteByteLevelTokenizer(const std::string& dir);

// Ids used by WriteByteLevelTokenizer: total size and the specials.
inline constexpr int kByteLevelTokenizerSize = 265;
inline constexpr int kByteLevelBosId = 262;
inline constexpr int kByteLevelEosId = 263;
inline constexpr int kByteLevelPadId = 264;

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_RANDOM_MODEL_H_
