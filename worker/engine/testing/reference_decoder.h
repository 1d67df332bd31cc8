// An independent, deliberately naive LLaMA-family forward in double precision, used only by tests
// to check the engine's numerics (STYLE.md "Tests"). It shares nothing with the libtorch decoder
// but the config and safetensors readers: every formula is written out from the Hugging Face
// semantics (METHODS.md §1). Costs O(seq² · layers · hidden) scalar loops, so keep models tiny.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto ref, ReferenceDecoder::Load("/tmp/tiny"));
//   auto logits = ref->Logits({256, 72, 101}, UnitMask::AllKept(ref->config().num_hidden_layers));
#ifndef DEPTHLAB_WORKER_ENGINE_TESTING_REFERENCE_DECODER_H_
#define DEPTHLAB_WORKER_ENGINE_TESTING_REFERENCE_DECODER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/model_config.h"
#include "worker/engine/replacement.h"
#include "worker/engine/unit_mask.h"

namespace depthlab::engine::testing {

// Immutable after Load; thread-safe.
class ReferenceDecoder {
 public:
  // Reads config.json and the weights (model.safetensors, or the shards named by
  // model.safetensors.index.json) of a Hugging Face model directory, converted to double.
  // Missing files or tensors are NotFound, wrong shapes or dtypes InvalidArgument.
  static absl::StatusOr<std::unique_ptr<ReferenceDecoder>> Load(const std::string& model_dir);

  const ModelConfig& config() const { return config_; }

  // Logits [seq][vocab] of `tokens` at positions 0..seq-1 under `mask`; removed units are replaced
  // by their entry in `replacements` when there is one (entries for kept units are ignored).
  // REQUIRES: mask.num_layers() == config().num_hidden_layers, tokens within the vocabulary,
  // replacements valid for hidden_size. A violated precondition aborts with a message.
  std::vector<std::vector<double>> Logits(const std::vector<int32_t>& tokens, const UnitMask& mask,
                                          const Replacements& replacements = {}) const;

  // The residual stream [seq][hidden] at unit boundary `boundary`: the stream before flat unit
  // `boundary`, or after the last unit (before the final norm) when boundary == 2L.
  // REQUIRES: 0 <= boundary <= 2 * num_hidden_layers.
  std::vector<std::vector<double>> Stream(const std::vector<int32_t>& tokens, const UnitMask& mask,
                                          int boundary,
                                          const Replacements& replacements = {}) const;

  // RoPE inverse frequencies [head_dim / 2]: rope_theta^(-2d/head_dim), with rope_scaling applied
  // as in HF: "llama3" (`_compute_llama3_parameters`) or "linear" (divided by factor).
  static std::vector<double> InverseFrequencies(const ModelConfig& config);

 private:
  // Row-major [rows, cols]; HF layout, so y = W·x has y.size() == rows.
  struct Matrix {
    int rows = 0;
    int cols = 0;
    std::vector<double> data;
  };
  struct Layer {
    std::vector<double> input_norm, post_norm;   // [hidden]
    Matrix q, k, v, o;                           // [q_dim|kv_dim, hidden]; o: [hidden, q_dim]
    std::vector<double> q_bias, k_bias, v_bias;  // empty when absent
    std::vector<double> o_bias;                  // empty when absent
    Matrix gate, up, down;                       // [inter, hidden] x2, [hidden, inter]
  };
  using Rows = std::vector<std::vector<double>>;  // [seq][dim]

  ReferenceDecoder() = default;
  absl::Status ReadWeights(const std::string& model_dir);

  static std::vector<double> MatVec(const Matrix& w, const std::vector<double>& x,
                                    const std::vector<double>& bias);
  std::vector<double> RmsNorm(const std::vector<double>& x, const std::vector<double>& w) const;
  Rows Embed(const std::vector<int32_t>& tokens) const;
  void ApplyUnit(int flat_unit, const UnitMask& mask, const Replacements& replacements,
                 Rows& h) const;
  // h += B·(A·h) + bias (low rank) or h += vector (additive), for one position.
  void ApplyReplacement(const Replacement& r, std::vector<double>& h) const;
  Rows AttentionUpdate(const Layer& layer, const Rows& h) const;
  Rows MlpUpdate(const Layer& layer, const Rows& h) const;
  void Rotate(std::vector<double>& vec, int offset, int position) const;

  ModelConfig config_;
  std::vector<double> inv_freq_;  // [head_dim / 2]
  Matrix embed_;                  // [vocab, hidden]
  std::vector<Layer> layers_;
  std::vector<double> final_norm_;  // [hidden]
  Matrix lm_head_;                  // [vocab, hidden]; a copy of embed_ when tied
};

}  // namespace depthlab::engine::testing

#endif  // DEPTHLAB_WORKER_ENGINE_TESTING_REFERENCE_DECODER_H_
