// Engine forward throughput on a random model of the bundled-model size (8 layers, hidden 256,
// GQA 8/4 heads, vocabulary 4096) against a straightforward per-op baseline written here: one
// sequence at a time, a loop over heads with key/value heads copied per query head, and the
// full [seq, vocab] logits materialised for log-softmax. Both compute the same summed loss (the
// bench checks they agree), in the same process, so the ratio is what matters. Also: prefix reuse
// (resume from a captured boundary vs recompute), KV-cache generation vs recompute, and peak RSS.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <malloc.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "worker/engine/decoder.h"
#include "worker/engine/engine.h"
#include "worker/engine/random_model.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident set since the last ResetPeak, in MiB (Linux /proc). ResetPeak first returns the
// memory malloc retains (ConfigureProcess keeps freed buffers) so phases are measured apart.
void ResetPeak() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}
double PeakMiB() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
  }
  return 0;
}

// The straightforward baseline: per sequence, per head, full logits.
double NaiveLoss(const ModelConfig& c, const ModelWeights& w, const at::Tensor& tokens) {
  auto rms = [&](const at::Tensor& x, const at::Tensor& g) {
    return g * (x / at::sqrt(x.pow(2).mean(-1, true) + c.rms_norm_eps));
  };
  const std::vector<double> inv = RopeInverseFrequencies(c);
  const int64_t hd = c.head_dim, seq = tokens.size(1);
  at::Tensor inv_t = at::tensor(std::vector<float>(inv.begin(), inv.end()));
  at::Tensor ang = at::outer(at::arange(seq, at::kFloat), inv_t);
  at::Tensor cos = at::cat({ang, ang}, -1).cos(), sin = at::cat({ang, ang}, -1).sin();
  auto rope = [&](const at::Tensor& x) {  // x [seq, hd]
    at::Tensor rot = at::cat({-x.narrow(1, hd / 2, hd / 2), x.narrow(1, 0, hd / 2)}, 1);
    return x * cos + rot * sin;
  };
  const at::Tensor causal = at::ones({seq, seq}, at::kBool).tril();
  double total = 0;
  for (int64_t b = 0; b < tokens.size(0); ++b) {
    at::Tensor h = w.embed_tokens.index_select(0, tokens[b]);  // [seq, hidden]
    for (const LayerWeights& l : w.layers) {
      at::Tensor x = rms(h, l.input_layernorm);
      at::Tensor q = at::matmul(x, l.q_proj.t()), k = at::matmul(x, l.k_proj.t()),
                 v = at::matmul(x, l.v_proj.t());
      std::vector<at::Tensor> heads;
      for (int64_t i = 0; i < c.num_attention_heads; ++i) {
        const int64_t g = i / (c.num_attention_heads / c.num_key_value_heads);
        at::Tensor qi = rope(q.narrow(1, i * hd, hd));
        at::Tensor ki = rope(k.narrow(1, g * hd, hd).clone());
        at::Tensor vi = v.narrow(1, g * hd, hd).clone();
        at::Tensor s = at::matmul(qi, ki.t()) / std::sqrt(double(hd));
        s = s.masked_fill(causal.logical_not(), -INFINITY);
        heads.push_back(at::matmul(at::softmax(s, -1), vi));
      }
      h = h + at::matmul(at::cat(heads, 1), l.o_proj.t());
      x = rms(h, l.post_attention_layernorm);
      h = h + at::matmul(at::silu(at::matmul(x, l.gate_proj.t())) * at::matmul(x, l.up_proj.t()),
                         l.down_proj.t());
    }
    at::Tensor logp = at::log_softmax(at::matmul(rms(h, w.norm), w.lm_head.t()), -1);
    for (int64_t t = 0; t + 1 < seq; ++t) {
      total -= logp[t][tokens[b][t + 1].item<int64_t>()].item<double>();
    }
  }
  return total;
}

int Main() {
  c10::InferenceMode inference;
  ConfigureProcess(0);
  const std::string dir = "/tmp/depthlab-bench-model";
  RandomModelOptions o;
  ModelConfig& c = o.config;
  c.num_hidden_layers = 8;
  c.hidden_size = 256;
  c.intermediate_size = 688;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 4;
  c.head_dim = 32;
  c.vocab_size = 4096;
  if (!WriteRandomModel(dir, o).ok()) return 1;
  const ModelWeights weights = *LoadWeights(dir, c, at::kFloat, at::kCPU);
  auto decoder = std::move(*Decoder::Create(c, weights));
  const int64_t batch = 8, seq = 256, reps = 3;
  const at::Tensor tokens = at::randint(0, c.vocab_size, {batch, seq}, at::kLong);
  const std::vector<int64_t> lengths(batch, seq);
  const UnitMask all = UnitMask::AllKept(c.num_hidden_layers);
  std::printf(
      "engine bench: %d layers, hidden %d, heads %d/%d, vocab %d; batch %lld x %lld "
      "tokens; %d threads\n\n",
      c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.num_key_value_heads,
      c.vocab_size, static_cast<long long>(batch), static_cast<long long>(seq),
      at::get_num_threads());

  double engine_nll = 0, naive_nll = 0;
  auto engine_pass = [&] {
    const at::Tensor h =
        decoder->RunUnits(decoder->Embed(tokens), 0, decoder->num_units(), all, {});
    engine_nll = decoder->SequenceLoss(h, tokens, lengths).first.sum().item<double>();
  };
  // Each side: reset the peak, one warm-up pass (first touch of its buffers), then timed passes.
  ResetPeak();
  engine_pass();
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) engine_pass();
  const double engine_s = Seconds(start) / reps;
  const double engine_peak = PeakMiB();
  ResetPeak();
  naive_nll = NaiveLoss(c, weights, tokens);
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) naive_nll = NaiveLoss(c, weights, tokens);
  const double naive_s = Seconds(start) / reps;
  const double naive_peak = PeakMiB();
  const double tok = static_cast<double>(batch * seq);
  std::printf("%-34s %12s %10s %14s\n", "forward + loss", "tokens/s", "ratio", "peak RSS MiB");
  std::printf("%-34s %12.0f %10.2f %14.0f\n", "baseline (per-op, per-head)", tok / naive_s, 1.0,
              naive_peak);
  std::printf("%-34s %12.0f %10.2f %14.0f\n", "engine (batched, grouped GQA)", tok / engine_s,
              naive_s / engine_s, engine_peak);
  std::printf("loss agreement: |engine - baseline| / baseline = %.2e\n\n",
              std::abs(engine_nll - naive_nll) / std::abs(naive_nll));

  // Prefix reuse: masks that differ only in the last block share the first 14 units.
  UnitMask last_removed = all;
  last_removed.RemoveBlock(c.num_hidden_layers - 1);
  decoder->Logits(tokens, last_removed, {});  // warm-up
  start = std::chrono::steady_clock::now();
  decoder->Logits(tokens, last_removed, {});
  const double full_s = Seconds(start);
  const at::Tensor prefix = decoder->RunUnits(decoder->Embed(tokens), 0, 14, all, {});
  start = std::chrono::steady_clock::now();
  decoder->Head(decoder->RunUnits(prefix, 14, 16, last_removed, {}));
  const double resumed_s = Seconds(start);
  std::printf("%-34s %12.4f s\n%-34s %12.4f s   (%.1fx)\n\n", "masked forward, full recompute",
              full_s, "masked forward, resumed at unit 14", resumed_s, full_s / resumed_s);

  // Generation: 64 new tokens after a 64-token prompt, with and without the KV cache.
  const at::Tensor prompt = tokens.narrow(0, 0, 1).narrow(1, 0, 64);
  for (bool cached : {false, true}) {
    start = std::chrono::steady_clock::now();
    at::Tensor seq_tokens = prompt;
    KVCache cache;
    for (int step = 0; step < 64; ++step) {
      const int64_t start_pos = cached ? cache.length : 0;
      const at::Tensor fresh =
          cached ? seq_tokens.narrow(1, start_pos, seq_tokens.size(1) - start_pos) : seq_tokens;
      const at::Tensor h = decoder->RunUnits(decoder->Embed(fresh), 0, decoder->num_units(), all,
                                             {}, start_pos, cached ? &cache : nullptr);
      cache.length = seq_tokens.size(1);
      const at::Tensor next = decoder->Head(h.narrow(1, h.size(1) - 1, 1)).argmax(-1);
      seq_tokens = at::cat({seq_tokens, next.view({1, 1})}, 1);
    }
    std::printf("%-34s %12.1f tokens/s\n",
                cached ? "generation, KV cache" : "generation, recompute", 64 / Seconds(start));
  }
  return 0;
}

}  // namespace
}  // namespace depthlab::engine

int main() { return depthlab::engine::Main(); }
