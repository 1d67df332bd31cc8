// The LLaMA-family decoder forward with unit masks (METHODS.md §1): h += Attn(RMSNorm(h)),
// h += MLP(RMSNorm(h)); removed units are skipped with their norm and residual add and cost no
// compute, or replaced by their Replacement. The residual stream can be captured at any unit
// boundary and a forward resumed from it (prefix reuse). Internal to worker/engine (ATen); the
// torch-free API for other folders is engine.h. Methods may throw c10::Error; Engine catches it.
//
// Boundaries: boundary b (0 <= b <= 2L) is the stream before flat unit b; boundary 2L is the stream
// after the last unit, before the final norm.
#ifndef DEPTHLAB_WORKER_ENGINE_DECODER_H_
#define DEPTHLAB_WORKER_ENGINE_DECODER_H_

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/model_config.h"
#include "worker/engine/replacement.h"
#include "worker/engine/unit_mask.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {

// A replacement as tensors on the run device and dtype.
struct ReplacementTensors {
  at::Tensor additive;  // [hidden] or undefined
  at::Tensor a;         // [rank, hidden]  (low rank)
  at::Tensor b;         // [hidden, rank]
  at::Tensor bias;      // [hidden]
};
using ReplacementTensorMap = std::map<int, ReplacementTensors>;

// Keys and values of the kept attention units, grown one step at a time. Removed attention units
// hold no cache (their entries stay undefined).
struct KVCache {
  std::vector<at::Tensor> keys;    // per layer: [batch, kv_heads, cached, head_dim]
  std::vector<at::Tensor> values;  // same
  // Positions cached. RunUnits appends keys/values but does not advance `length`: the caller
  // sets it after each call (the next call's start_pos), since one forward may skip attention.
  int64_t length = 0;
};

// Called after each kept unit with its input and output streams, both [batch, seq, hidden].
using UnitObserver =
    std::function<void(int flat_unit, const at::Tensor& in, const at::Tensor& out)>;

// Immutable after Create; thread-safe for concurrent forwards (each call allocates its own state).
class Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(ModelConfig config, ModelWeights weights);

  const ModelConfig& config() const { return config_; }
  at::ScalarType dtype() const { return weights_.embed_tokens.scalar_type(); }
  at::Device device() const { return weights_.embed_tokens.device(); }
  int num_units() const { return 2 * config_.num_hidden_layers; }

  // tokens: [batch, seq] int64 -> stream [batch, seq, hidden] in the run dtype.
  at::Tensor Embed(const at::Tensor& tokens) const;

  // Runs flat units [begin_unit, end_unit) on stream h whose first position is `start_pos`.
  // With a cache, attention attends to the cached positions and appends the new keys/values.
  at::Tensor RunUnits(at::Tensor h, int begin_unit, int end_unit, const UnitMask& mask,
                      const ReplacementTensorMap& replacements, int64_t start_pos = 0,
                      KVCache* cache = nullptr, const UnitObserver* observer = nullptr) const;

  // The training forward over packed documents: tokens [batch, seq] (from position 0, no cache),
  // every unit kept. A position attends only to earlier positions of its own document; a document
  // starts at each `bos_id` token, and a window may begin mid-document. -> stream [batch, seq,
  // hidden].
  at::Tensor RunDocuments(const at::Tensor& tokens, int64_t bos_id) const;

  // Final norm + LM head: [batch, seq, hidden] -> logits [batch, seq, vocab] in fp32.
  at::Tensor Head(const at::Tensor& h) const;

  // Full forward: tokens [batch, seq] -> logits [batch, seq, vocab] fp32.
  at::Tensor Logits(const at::Tensor& tokens, const UnitMask& mask,
                    const ReplacementTensorMap& replacements) const;

  // Summed next-token NLL per sequence from a final stream, without materialising all logits
  // (positions are processed in chunks). lengths[i] = valid tokens of row i (right padding);
  // returns (nll_sum[batch] fp64, predicted_tokens[batch] int64).
  std::pair<at::Tensor, at::Tensor> SequenceLoss(const at::Tensor& h, const at::Tensor& tokens,
                                                 const std::vector<int64_t>& lengths) const;

  ReplacementTensorMap ToTensors(const Replacements& replacements) const;

 private:
  // Per-forward attention inputs shared by every layer: RoPE tables and visibility masks.
  struct AttentionContext {
    at::Tensor cos, sin;  // [1, 1, seq, head_dim] in the run dtype
    int64_t start_pos = 0;
    at::Tensor full_mask, window_mask;  // [seq, keys] bool, built on first use per key count
    int64_t mask_keys = -1;
    // [batch, seq] document index per position (RunDocuments), else undefined; the masks are then
    // [batch, seq, keys].
    at::Tensor documents;
  };

  Decoder(ModelConfig config, ModelWeights weights, at::Tensor inv_freq);
  AttentionContext MakeContext(int64_t start_pos, int64_t seq, at::ScalarType dtype) const;
  at::Tensor RunUnitsIn(AttentionContext& ctx, at::Tensor h, int begin_unit, int end_unit,
                        const UnitMask& mask, const ReplacementTensorMap& replacements,
                        KVCache* cache, const UnitObserver* observer) const;
  at::Tensor Attention(int layer, const at::Tensor& h, AttentionContext& ctx, KVCache* cache) const;
  at::Tensor Mlp(int layer, const at::Tensor& h) const;
  at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight) const;

  ModelConfig config_;
  ModelWeights weights_;
  at::Tensor inv_freq_;  // [head_dim / 2] fp32, rope_scaling applied
};

// Inverse RoPE frequencies for a config (rope_theta, optional llama3 scaling) as doubles.
std::vector<double> RopeInverseFrequencies(const ModelConfig& config);

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_DECODER_H_
