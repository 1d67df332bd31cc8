// The trainer learns through libtorch autograd over the decoder's forward. This checks that
// backward against an independent reference, central finite differences of the same loss, for
// the attention projections (the weights that in-context matching depends on), the MLP and the
// tied embedding.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "worker/engine/decoder.h"
#include "worker/engine/trainer.h"
#include "worker/engine/unit_mask.h"

namespace depthlab::engine {
namespace {

constexpr int64_t kVocab = 40, kHidden = 16, kInter = 24, kLayers = 2;

ModelConfig SmallConfig() {
  ModelConfig c = DefaultTinyConfig();
  c.vocab_size = kVocab;
  c.hidden_size = kHidden;
  c.intermediate_size = kInter;
  c.num_hidden_layers = kLayers;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;  // GQA: two query heads per key/value head
  c.head_dim = 4;
  return c;
}

at::Tensor Random(std::vector<int64_t> shape, double scale) {
  return (at::randn(shape, at::kFloat) * scale).requires_grad_(true);
}

ModelWeights RandomWeights(const ModelConfig& c) {
  ModelWeights w;
  w.embed_tokens = Random({kVocab, kHidden}, 0.5);
  for (int l = 0; l < kLayers; ++l) {
    LayerWeights lw;
    lw.input_layernorm = (at::ones({kHidden}) + at::randn({kHidden}) * 0.1).requires_grad_(true);
    lw.q_proj = Random({c.q_dim(), kHidden}, 0.5);
    lw.k_proj = Random({c.kv_dim(), kHidden}, 0.5);
    lw.v_proj = Random({c.kv_dim(), kHidden}, 0.3);
    lw.o_proj = Random({kHidden, c.q_dim()}, 0.3);
    lw.post_attention_layernorm =
        (at::ones({kHidden}) + at::randn({kHidden}) * 0.1).requires_grad_(true);
    lw.gate_proj = Random({kInter, kHidden}, 0.3);
    lw.up_proj = Random({kInter, kHidden}, 0.3);
    lw.down_proj = Random({kHidden, kInter}, 0.3);
    w.layers.push_back(lw);
  }
  w.norm = at::ones({kHidden}).requires_grad_(true);
  w.lm_head = w.embed_tokens;  // tied, as in the bundled model
  return w;
}

// Mean next-token NLL of `window` [batch, seq + 1], as the trainer computes it.
at::Tensor Loss(const Decoder& d, const at::Tensor& window) {
  const int64_t seq = window.size(1) - 1;
  const at::Tensor input = window.narrow(1, 0, seq), target = window.narrow(1, 1, seq);
  const at::Tensor logits =
      d.Head(d.RunUnits(d.Embed(input), 0, d.num_units(), UnitMask::AllKept(kLayers), {}));
  return at::cross_entropy_loss(logits.reshape({-1, kVocab}), target.reshape({-1}));
}

TEST(DecoderGradientTest, BackwardMatchesFiniteDifferences) {
  at::manual_seed(7);
  const ModelConfig config = SmallConfig();
  ModelWeights w = RandomWeights(config);
  auto decoder = Decoder::Create(config, w);
  ASSERT_TRUE(decoder.ok()) << decoder.status();
  // Tokens repeat within each row, so attention has something to match.
  const at::Tensor window = at::randint(kVocab / 4, {2, 17}, at::kLong);
  Loss(**decoder, window).backward();

  const std::vector<std::pair<std::string, at::Tensor>> checked = {
      {"layer 0 q_proj", w.layers[0].q_proj},       {"layer 1 q_proj", w.layers[1].q_proj},
      {"layer 0 k_proj", w.layers[0].k_proj},       {"layer 1 k_proj", w.layers[1].k_proj},
      {"layer 1 v_proj", w.layers[1].v_proj},       {"layer 0 o_proj", w.layers[0].o_proj},
      {"layer 1 gate_proj", w.layers[1].gate_proj}, {"embed_tokens", w.embed_tokens},
  };
  const double eps = 1e-2;
  int compared = 0;
  for (const auto& [name, param] : checked) {
    ASSERT_TRUE(param.grad().defined()) << name << " got no gradient";
    const at::Tensor grad = param.grad().reshape({-1});
    // The three entries with the largest gradients, and the median one.
    const at::Tensor order = grad.abs().argsort(/*dim=*/0, /*descending=*/true);
    for (int64_t rank : {int64_t{0}, int64_t{1}, int64_t{2}, grad.numel() / 2}) {
      const int64_t i = order[rank].item<int64_t>();
      at::Tensor flat = param.detach().view({-1});
      const float saved = flat[i].item<float>();
      double plus, minus;
      {
        at::NoGradGuard no_grad;
        flat[i].fill_(saved + eps);
        plus = Loss(**decoder, window).item<double>();
        flat[i].fill_(saved - eps);
        minus = Loss(**decoder, window).item<double>();
        flat[i].fill_(saved);
      }
      const double numeric = (plus - minus) / (2 * eps);
      const double analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 2e-4 + 0.02 * std::abs(numeric))
          << name << " entry " << i << " (gradient rank " << rank << ")";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 32);
  // Not vacuous: the attention weights matter to the loss.
  EXPECT_GT(w.layers[1].k_proj.grad().abs().max().item<double>(), 1e-3);
}

}  // namespace
}  // namespace depthlab::engine
