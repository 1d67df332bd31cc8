#include "worker/engine/decoder.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <cmath>

#include "absl/strings/str_cat.h"

namespace depthlab::engine {
namespace {

// Positions per LM-head chunk in SequenceLoss: bounds the [chunk, vocab] logits buffer.
constexpr int64_t kLossChunk = 512;

at::Tensor RotateHalf(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// Visibility of key positions [0, keys) from query positions [start, start + queries):
// causal, and within the sliding window when there is one. [queries, keys] bool.
at::Tensor VisibleMask(int64_t start, int64_t queries, int64_t keys, std::optional<int> window,
                       at::Device device) {
  const auto opts = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor qpos = at::arange(start, start + queries, opts).unsqueeze(1);
  const at::Tensor kpos = at::arange(keys, opts).unsqueeze(0);
  at::Tensor visible = kpos <= qpos;
  if (window) visible = visible & ((qpos - kpos) < *window);
  return visible;
}

}  // namespace

std::vector<double> RopeInverseFrequencies(const ModelConfig& c) {
  const int half = c.head_dim / 2;
  std::vector<double> inv(static_cast<size_t>(half));
  for (int d = 0; d < half; ++d) {
    inv[d] = 1.0 / std::pow(c.rope_theta, (2.0 * d) / c.head_dim);
  }
  if (!c.rope_scaling) return inv;
  const RopeScaling& s = *c.rope_scaling;
  if (s.rope_type == "linear") {
    for (double& f : inv) f /= s.factor;
    return inv;
  }
  // llama3: HF _compute_llama3_parameters.
  const double old_len = s.original_max_position_embeddings;
  const double low_wavelen = old_len / s.low_freq_factor;
  const double high_wavelen = old_len / s.high_freq_factor;
  for (double& f : inv) {
    const double wavelen = 2 * M_PI / f;
    if (wavelen > low_wavelen) {
      f = f / s.factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth =
          (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      f = (1 - smooth) * f / s.factor + smooth * f;
    }
  }
  return inv;
}

absl::StatusOr<std::unique_ptr<Decoder>> Decoder::Create(ModelConfig config, ModelWeights weights) {
  if (static_cast<int>(weights.layers.size()) != config.num_hidden_layers) {
    return absl::InvalidArgumentError(absl::StrCat("decoder: ", weights.layers.size(),
                                                   " layers of weights for a config with ",
                                                   config.num_hidden_layers));
  }
  const std::vector<double> inv = RopeInverseFrequencies(config);
  at::Tensor inv_freq = at::empty({static_cast<int64_t>(inv.size())}, at::kDouble);
  std::copy(inv.begin(), inv.end(), inv_freq.data_ptr<double>());
  inv_freq = inv_freq.to(weights.embed_tokens.device(), at::kFloat);
  return std::unique_ptr<Decoder>(
      new Decoder(std::move(config), std::move(weights), std::move(inv_freq)));
}

Decoder::Decoder(ModelConfig config, ModelWeights weights, at::Tensor inv_freq)
    : config_(std::move(config)), weights_(std::move(weights)), inv_freq_(std::move(inv_freq)) {}

at::Tensor Decoder::Embed(const at::Tensor& tokens) const {
  return at::embedding(weights_.embed_tokens, tokens.to(device(), at::kLong));  // [B, T, H]
}

at::Tensor Decoder::RmsNorm(const at::Tensor& x, const at::Tensor& weight) const {
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed =
      xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + config_.rms_norm_eps);
  return weight * normed.to(x.scalar_type());
}

Decoder::AttentionContext Decoder::MakeContext(int64_t start_pos, int64_t seq,
                                               at::ScalarType dtype) const {
  // RoPE in fp32, cast to the run dtype as HF does.
  const at::Tensor pos = at::arange(start_pos, start_pos + seq,
                                    at::TensorOptions().dtype(at::kFloat).device(device()));
  const at::Tensor freqs = at::outer(pos, inv_freq_);
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  AttentionContext ctx;
  ctx.cos = emb.cos().to(dtype).view({1, 1, seq, config_.head_dim});
  ctx.sin = emb.sin().to(dtype).view({1, 1, seq, config_.head_dim});
  ctx.start_pos = start_pos;
  return ctx;
}

at::Tensor Decoder::Attention(int layer, const at::Tensor& x, AttentionContext& ctx,
                              KVCache* cache) const {
  const LayerWeights& w = weights_.layers[layer];
  const int64_t batch = x.size(0), seq = x.size(1), hd = config_.head_dim;
  const int64_t heads = config_.num_attention_heads, kv_heads = config_.num_key_value_heads;
  at::Tensor q = at::linear(x, w.q_proj, w.q_bias).view({batch, seq, heads, hd}).transpose(1, 2);
  at::Tensor k = at::linear(x, w.k_proj, w.k_bias).view({batch, seq, kv_heads, hd}).transpose(1, 2);
  at::Tensor v = at::linear(x, w.v_proj, w.v_bias).view({batch, seq, kv_heads, hd}).transpose(1, 2);
  q = q * ctx.cos + RotateHalf(q) * ctx.sin;  // [B, heads, T, hd]
  k = k * ctx.cos + RotateHalf(k) * ctx.sin;  // [B, kv_heads, T, hd]

  if (cache != nullptr) {
    if (cache->keys[layer].defined()) {
      k = at::cat({cache->keys[layer], k}, 2);
      v = at::cat({cache->values[layer], v}, 2);
    }
    cache->keys[layer] = k;
    cache->values[layer] = v;
  }
  const int64_t keys = k.size(2);
  const bool windowed = config_.sliding_window && layer >= config_.sliding_window_from_layer;
  if (ctx.mask_keys != keys) {  // all layers see the same keys unless some attention is removed
    ctx.full_mask = ctx.window_mask = at::Tensor();
    ctx.mask_keys = keys;
  }
  at::Tensor& cached_mask = windowed ? ctx.window_mask : ctx.full_mask;
  const bool need_mask = seq > 1 || (windowed && keys > *config_.sliding_window);
  if (need_mask && !cached_mask.defined()) {
    cached_mask = VisibleMask(ctx.start_pos, seq, keys,
                              windowed ? config_.sliding_window : std::nullopt, device());
    if (ctx.documents.defined()) {  // and within the query's document: [B, T, S]
      cached_mask =
          cached_mask.unsqueeze(0) & ctx.documents.unsqueeze(2).eq(ctx.documents.unsqueeze(1));
    }
  }
  const at::Tensor visible = need_mask ? cached_mask : at::Tensor();
  const int64_t rep = heads / kv_heads;
  at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  if (x.is_cuda()) {
    const at::Tensor kr = rep > 1 ? k.repeat_interleave(rep, 1) : k;
    const at::Tensor vr = rep > 1 ? v.repeat_interleave(rep, 1) : v;
    const c10::optional<at::Tensor> attn_mask =
        !visible.defined()   ? c10::nullopt
        : visible.dim() == 3 ? c10::optional<at::Tensor>(visible.unsqueeze(1))
                             : c10::optional<at::Tensor>(visible);
    out = at::scaled_dot_product_attention(q, kr, vr, attn_mask);  // [B, heads, T, hd]
  }
#endif
  if (!out.defined()) {
    // Group the `rep` query heads of each kv head so keys/values need no copy:
    // q [B, kv_heads, rep * T, hd] against k [B, kv_heads, S, hd].
    const at::Tensor qg = q.reshape({batch, kv_heads, rep * seq, hd});
    at::Tensor scores = at::matmul(qg, k.transpose(-1, -2)) * (1.0 / std::sqrt(double(hd)));
    if (visible.defined()) {
      // Rows of qg are (head in group) * T + t, so the mask repeats `rep` times along queries.
      const at::Tensor grouped =
          visible.dim() == 3 ? visible.repeat({1, rep, 1}).unsqueeze(1) : visible.repeat({rep, 1});
      scores = scores.masked_fill(grouped.logical_not(), -std::numeric_limits<float>::infinity());
    }
    const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    out = at::matmul(probs, v).view({batch, heads, seq, hd});
  }
  out = out.transpose(1, 2).reshape({batch, seq, heads * hd});
  return at::linear(out, w.o_proj, w.o_bias);  // [B, T, H]
}

at::Tensor Decoder::Mlp(int layer, const at::Tensor& x) const {
  const LayerWeights& w = weights_.layers[layer];
  const at::Tensor gated = at::silu(at::linear(x, w.gate_proj)) * at::linear(x, w.up_proj);
  return at::linear(gated, w.down_proj);  // [B, T, H]
}

at::Tensor Decoder::RunUnits(at::Tensor h, int begin_unit, int end_unit, const UnitMask& mask,
                             const ReplacementTensorMap& replacements, int64_t start_pos,
                             KVCache* cache, const UnitObserver* observer) const {
  if (cache != nullptr && cache->keys.empty()) {
    cache->keys.resize(config_.num_hidden_layers);
    cache->values.resize(config_.num_hidden_layers);
  }
  AttentionContext ctx = MakeContext(start_pos, h.size(1), h.scalar_type());
  return RunUnitsIn(ctx, std::move(h), begin_unit, end_unit, mask, replacements, cache, observer);
}

at::Tensor Decoder::RunDocuments(const at::Tensor& tokens, int64_t bos_id) const {
  at::Tensor h = Embed(tokens);
  AttentionContext ctx = MakeContext(0, h.size(1), h.scalar_type());
  ctx.documents = tokens.to(device(), at::kLong).eq(bos_id).cumsum(1);
  return RunUnitsIn(ctx, std::move(h), 0, num_units(), UnitMask::AllKept(config_.num_hidden_layers),
                    {}, nullptr, nullptr);
}

at::Tensor Decoder::RunUnitsIn(AttentionContext& ctx, at::Tensor h, int begin_unit, int end_unit,
                               const UnitMask& mask, const ReplacementTensorMap& replacements,
                               KVCache* cache, const UnitObserver* observer) const {
  for (int u = begin_unit; u < end_unit; ++u) {
    const int layer = u / 2;
    if (mask.kept_flat(u)) {
      const LayerWeights& w = weights_.layers[layer];
      const bool attention = u % 2 == 0;
      const at::Tensor x = RmsNorm(h, attention ? w.input_layernorm : w.post_attention_layernorm);
      at::Tensor out = h + (attention ? Attention(layer, x, ctx, cache) : Mlp(layer, x));
      if (observer != nullptr) (*observer)(u, h, out);
      h = std::move(out);
      continue;
    }
    auto it = replacements.find(u);
    if (it == replacements.end()) continue;
    const ReplacementTensors& r = it->second;
    if (r.additive.defined()) {
      h = h + r.additive;
    } else if (r.a.defined()) {
      h = h + at::linear(at::linear(h, r.a), r.b, r.bias);
    }
  }
  return h;
}

at::Tensor Decoder::Head(const at::Tensor& h) const {
  return at::linear(RmsNorm(h, weights_.norm), weights_.lm_head).to(at::kFloat);
}

at::Tensor Decoder::Logits(const at::Tensor& tokens, const UnitMask& mask,
                           const ReplacementTensorMap& replacements) const {
  return Head(RunUnits(Embed(tokens), 0, num_units(), mask, replacements));
}

std::pair<at::Tensor, at::Tensor> Decoder::SequenceLoss(const at::Tensor& h,
                                                        const at::Tensor& tokens,
                                                        const std::vector<int64_t>& lengths) const {
  const int64_t batch = h.size(0), seq = h.size(1);
  // Flat indices of the positions that predict a next token, and of those next tokens.
  std::vector<int64_t> src, row_of;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t + 1 < std::min(lengths[b], seq); ++t) {
      src.push_back(b * seq + t);
      row_of.push_back(b);
    }
  }
  at::Tensor nll = at::zeros({batch}, at::kDouble);
  at::Tensor counts = at::zeros({batch}, at::kLong);
  if (src.empty()) return {nll, counts};
  const auto long_cpu = at::TensorOptions().dtype(at::kLong);
  const at::Tensor src_idx = at::tensor(src, long_cpu).to(device());
  const at::Tensor rows = at::tensor(row_of, long_cpu);
  const at::Tensor normed =
      RmsNorm(h, weights_.norm).reshape({batch * seq, -1}).index_select(0, src_idx);
  const at::Tensor targets =
      tokens.to(device(), at::kLong).reshape({-1}).index_select(0, src_idx + 1);
  const int64_t n = static_cast<int64_t>(src.size());
  for (int64_t start = 0; start < n; start += kLossChunk) {
    const int64_t len = std::min(kLossChunk, n - start);
    const at::Tensor logits =
        at::linear(normed.narrow(0, start, len), weights_.lm_head).to(at::kFloat);
    const at::Tensor picked =
        logits.gather(1, targets.narrow(0, start, len).unsqueeze(1)).squeeze(1);
    const at::Tensor token_nll = (at::logsumexp(logits, -1) - picked).to(at::kCPU, at::kDouble);
    nll.index_add_(0, rows.narrow(0, start, len), token_nll);
  }
  counts.index_add_(0, rows, at::ones({n}, long_cpu));
  return {nll, counts};
}

ReplacementTensorMap Decoder::ToTensors(const Replacements& replacements) const {
  ReplacementTensorMap out;
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  const int64_t hidden = config_.hidden_size;
  auto to_device = [&](const std::vector<float>& v, std::vector<int64_t> shape) {
    return at::from_blob(const_cast<float*>(v.data()), shape, opts).to(device(), dtype()).clone();
  };
  for (const auto& [unit, r] : replacements) {
    ReplacementTensors t;
    if (r.kind == Replacement::Kind::kAdditive) {
      t.additive = to_device(r.vector, {hidden});
    } else if (r.kind == Replacement::Kind::kLowRank) {
      t.a = to_device(r.a, {r.rank, hidden});
      t.b = to_device(r.b, {hidden, r.rank});
      t.bias = to_device(r.vector, {hidden});
    } else {
      continue;
    }
    out.emplace(unit, std::move(t));
  }
  return out;
}

}  // namespace depthlab::engine
