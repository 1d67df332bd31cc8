// Self-test of the reference decoder on models small enough to compute by hand: one layer, hidden
// size 4, weights that are identities or pick single elements, so each residual stream can be
// written down from the HF formulas. The engine is then tested against this reference
// (decoder_reference_test.cc).
#include "worker/engine/testing/reference_decoder.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/engine/model_config.h"
#include "worker/engine/replacement.h"
#include "worker/engine/safetensors.h"
#include "worker/engine/unit_mask.h"

namespace depthlab::engine::testing {
namespace {

using ::testing::HasSubstr;

constexpr double kEps = 1e-6;  // rms_norm_eps of the hand-made models

struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
using TensorMap = std::map<std::string, HostTensor>;

struct TinyModel {
  ModelConfig config;
  TensorMap tensors;
};

HostTensor Eye(int n) {
  HostTensor t{{n, n}, std::vector<float>(static_cast<size_t>(n) * n, 0.0f)};
  for (int i = 0; i < n; ++i) t.values[static_cast<size_t>(i) * n + i] = 1.0f;
  return t;
}

HostTensor Ones(int n) { return {{n}, std::vector<float>(n, 1.0f)}; }

// A fresh model directory under the test's own temporary directory (removed at exit).
std::string FreshDir(const std::string& name) {
  static ::depthlab::testing::TempDir root;
  const std::string dir = root.Sub(name);
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

void AddTensor(SafetensorsWriter& writer, const std::string& name, const HostTensor& t,
               DType dtype) {
  if (dtype == DType::kF32) {
    writer.AddF32(name, t.shape, t.values);
    return;
  }
  std::vector<uint16_t> bits;
  for (float v : t.values) {
    bits.push_back(dtype == DType::kF16 ? FloatToHalf(v) : FloatToBFloat16(v));
  }
  writer.Add(name, dtype, t.shape, bits.data());
}

// Writes config.json and the weights, in `num_shards` files (with an index) when more than one.
void WriteModel(const std::string& dir, const TinyModel& model, DType dtype = DType::kF32,
                int num_shards = 1) {
  WriteText(dir + "/config.json", model.config.ToJson());
  std::vector<SafetensorsWriter> writers(num_shards);
  nlohmann::json weight_map = nlohmann::json::object();
  int i = 0;
  for (const auto& [name, tensor] : model.tensors) {
    const int shard = i++ % num_shards;
    AddTensor(writers[shard], name, tensor, dtype);
    weight_map[name] = absl::StrCat("shard-", shard, ".safetensors");
  }
  if (num_shards == 1) {
    ASSERT_TRUE(writers[0].WriteFile(dir + "/model.safetensors").ok());
    return;
  }
  for (int s = 0; s < num_shards; ++s) {
    ASSERT_TRUE(writers[s].WriteFile(absl::StrCat(dir, "/shard-", s, ".safetensors")).ok());
  }
  WriteText(dir + "/model.safetensors.index.json",
            nlohmann::json{{"weight_map", weight_map}}.dump());
}

ModelConfig TinyConfig() {
  ModelConfig c;
  c.model_type = "llama";
  c.vocab_size = 3;
  c.hidden_size = 4;
  c.intermediate_size = 2;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 1;
  c.num_key_value_heads = 1;
  c.head_dim = 4;
  c.rms_norm_eps = kEps;
  c.rope_theta = 10000;
  return c;
}

// One layer, hidden 4, one head. Token 1 embeds as e = [1, -1, 1, -1] (mean square 1).
// Attention: input norm [1, 1, 1, 0.5], Wv = 2·I, Wo = I (q, k = I do not matter for one token).
// MLP: gate picks (x0, x3), up picks (x0, x2), down writes the two products to elements 0 and 2.
// LM head rows: [1,0,0,0], [0,1,0,0], [1,1,1,1].
TinyModel SingleTokenModel() {
  TinyModel m{TinyConfig(), {}};
  TensorMap& t = m.tensors;
  t["model.embed_tokens.weight"] = {{3, 4}, {0, 0, 0, 0, 1, -1, 1, -1, 2, 0, 0, 0}};
  t["model.norm.weight"] = Ones(4);
  t["lm_head.weight"] = {{3, 4}, {1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1}};
  const std::string p = "model.layers.0.";
  t[p + "input_layernorm.weight"] = {{4}, {1, 1, 1, 0.5}};
  t[p + "post_attention_layernorm.weight"] = Ones(4);
  t[p + "self_attn.q_proj.weight"] = Eye(4);
  t[p + "self_attn.k_proj.weight"] = Eye(4);
  HostTensor v = Eye(4);
  for (float& x : v.values) x *= 2;
  t[p + "self_attn.v_proj.weight"] = v;
  t[p + "self_attn.o_proj.weight"] = Eye(4);
  t[p + "mlp.gate_proj.weight"] = {{2, 4}, {1, 0, 0, 0, 0, 0, 0, 1}};
  t[p + "mlp.up_proj.weight"] = {{2, 4}, {1, 0, 0, 0, 0, 0, 1, 0}};
  t[p + "mlp.down_proj.weight"] = {{4, 2}, {1, 0, 0, 0, 0, 1, 0, 0}};
  return m;
}

std::unique_ptr<ReferenceDecoder> LoadOrDie(const std::string& dir) {
  auto decoder = ReferenceDecoder::Load(dir);
  EXPECT_TRUE(decoder.ok()) << decoder.status();
  return decoder.ok() ? std::move(decoder).value() : nullptr;
}

double Silu(double z) { return z / (1 + std::exp(-z)); }

void ExpectNear(const std::vector<double>& actual, const std::vector<double>& expected,
                double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
  }
}

TEST(ReferenceDecoderTest, InverseFrequenciesWithoutScaling) {
  ModelConfig c = TinyConfig();
  c.head_dim = 8;
  ExpectNear(ReferenceDecoder::InverseFrequencies(c), {1, 0.1, 0.01, 0.001}, 1e-15);
  c.head_dim = 4;
  c.rope_theta = 500000;
  ExpectNear(ReferenceDecoder::InverseFrequencies(c), {1, 1 / std::sqrt(500000.0)}, 1e-15);
}

TEST(ReferenceDecoderTest, InverseFrequenciesWithLlama3Scaling) {
  ModelConfig c = TinyConfig();
  c.head_dim = 8;  // unscaled: 1, 0.1, 0.01, 0.001; wavelengths 2π/f = 6.28, 62.8, 628, 6283
  c.rope_scaling = RopeScaling{"llama3", /*factor=*/8, /*low_freq_factor=*/1,
                               /*high_freq_factor=*/4, /*original_max_position_embeddings=*/1024};
  // Thresholds: low_freq_wavelen = 1024 / 1 = 1024, high_freq_wavelen = 1024 / 4 = 256.
  // f = 1, 0.1: wavelength < 256, kept. f = 0.001: wavelength 6283 > 1024, divided by 8.
  // f = 0.01: wavelength 628.3 in the band: smooth = (1024 / 628.3 - 1) / 3 = 0.2099155,
  // (1 - smooth) · 0.01 / 8 + smooth · 0.01 = 0.00308676.
  ExpectNear(ReferenceDecoder::InverseFrequencies(c), {1, 0.1, 0.0030867609670, 0.000125}, 1e-12);
}

TEST(ReferenceDecoderTest, InverseFrequenciesWithLinearScaling) {
  ModelConfig c = TinyConfig();
  c.rope_scaling = RopeScaling{"linear", /*factor=*/4};
  ExpectNear(ReferenceDecoder::InverseFrequencies(c), {0.25, 0.0025}, 1e-15);
}

TEST(ReferenceDecoderTest, SingleTokenForwardByHand) {
  const std::string dir = FreshDir("single");
  WriteModel(dir, SingleTokenModel());
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const UnitMask all = UnitMask::AllKept(1);
  const double r = 1 / std::sqrt(1 + kEps);  // RMSNorm scale of e (mean square 1)

  ExpectNear(ref->Stream({1}, all, 0)[0], {1, -1, 1, -1}, 0);
  // One key: softmax weight 1, so attention = Wo·Wv·norm(e) = 2r·[1, -1, 1, -0.5].
  const std::vector<double> h1 = {1 + 2 * r, -1 - 2 * r, 1 + 2 * r, -1 - r};
  ExpectNear(ref->Stream({1}, all, 1)[0], h1, 1e-14);
  ExpectNear(ref->Stream({1}, all, 1)[0], {3, -3, 3, -2}, 1e-5);

  const double ms1 = (3 * h1[0] * h1[0] + h1[3] * h1[3]) / 4;  // ≈ 31 / 4
  const double s1 = 1 / std::sqrt(ms1 + kEps);
  const double n0 = h1[0] * s1, n2 = h1[2] * s1, n3 = h1[3] * s1;
  const std::vector<double> h2 = {h1[0] + Silu(n0) * n0, h1[1], h1[2] + Silu(n3) * n2, h1[3]};
  ExpectNear(ref->Stream({1}, all, 2)[0], h2, 1e-14);
  // ≈ [3 + silu(1.0776)·1.0776, -3, 3 + silu(-0.7184)·1.0776, -2]
  ExpectNear(ref->Stream({1}, all, 2)[0], {3.86638, -3, 2.74627, -2}, 1e-4);

  const double ms2 = (h2[0] * h2[0] + h2[1] * h2[1] + h2[2] * h2[2] + h2[3] * h2[3]) / 4;
  const double s2 = 1 / std::sqrt(ms2 + kEps);
  const std::vector<std::vector<double>> logits = ref->Logits({1}, all);
  ASSERT_EQ(logits.size(), 1u);
  ExpectNear(logits[0], {h2[0] * s2, h2[1] * s2, (h2[0] + h2[1] + h2[2] + h2[3]) * s2}, 1e-14);
}

TEST(ReferenceDecoderTest, TiedEmbeddingsUseEmbedAsHead) {
  TinyModel m = SingleTokenModel();
  m.config.tie_word_embeddings = true;
  m.tensors.erase("lm_head.weight");
  const std::string dir = FreshDir("tied");
  WriteModel(dir, m);
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const UnitMask all = UnitMask::AllKept(1);
  std::vector<double> h = ref->Stream({1}, all, 2)[0];
  double ms = 0;
  for (double x : h) ms += x * x / 4;
  const double s = 1 / std::sqrt(ms + kEps);
  // Embedding rows: [0,0,0,0], [1,-1,1,-1], [2,0,0,0].
  ExpectNear(ref->Logits({1}, all)[0], {0, (h[0] - h[1] + h[2] - h[3]) * s, 2 * h[0] * s}, 1e-14);
}

TEST(ReferenceDecoderTest, AttentionBiasesAreAdded) {
  TinyModel m = SingleTokenModel();
  m.config.qkv_bias = m.config.o_bias = true;  // llama attention_bias
  const std::string p = "model.layers.0.self_attn.";
  m.tensors[p + "q_proj.bias"] = {{4}, {5, 5, 5, 5}};  // irrelevant for a single key
  m.tensors[p + "k_proj.bias"] = {{4}, {-3, 1, 2, 7}};
  m.tensors[p + "v_proj.bias"] = {{4}, {0.5, 0, 0, 0}};
  m.tensors[p + "o_proj.bias"] = {{4}, {0, 0, 0, 1}};
  const std::string dir = FreshDir("bias");
  WriteModel(dir, m);
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const double r = 1 / std::sqrt(1 + kEps);
  // h1 = e + Wo·(Wv·x + bv) + bo.
  ExpectNear(ref->Stream({1}, UnitMask::AllKept(1), 1)[0],
             {1 + 2 * r + 0.5, -1 - 2 * r, 1 + 2 * r, -1 - r + 1}, 1e-14);
}

// Tokens a = [0, 0, 2, 0] and b = [2, 0, 0, 0] (mean square 1), identity projections, one head of
// dim 4. At position 1 the query R(1)·norm(b) = 2r·[cos 1, 0, sin 1, 0] in the rotate-half layout
// (element 0 pairs with element 2, angle 1 · inv_freq[0] = 1), so it meets key norm(a) = 2r·e2
// with score 4r² sin 1 / 2 and its own key with score 4r² / 2.
TinyModel TwoTokenModel() {
  TinyModel m{TinyConfig(), {}};
  m.config.vocab_size = 2;
  TensorMap& t = m.tensors;
  t["model.embed_tokens.weight"] = {{2, 4}, {0, 0, 2, 0, 2, 0, 0, 0}};
  t["model.norm.weight"] = Ones(4);
  t["lm_head.weight"] = {{2, 4}, {1, 0, 0, 0, 0, 0, 1, 0}};
  const std::string p = "model.layers.0.";
  t[p + "input_layernorm.weight"] = Ones(4);
  t[p + "post_attention_layernorm.weight"] = Ones(4);
  for (const char* proj : {"q", "k", "v", "o"}) {
    t[absl::StrCat(p, "self_attn.", proj, "_proj.weight")] = Eye(4);
  }
  t[p + "mlp.gate_proj.weight"] = {{2, 4}, std::vector<float>(8, 0.0f)};
  t[p + "mlp.up_proj.weight"] = {{2, 4}, std::vector<float>(8, 0.0f)};
  t[p + "mlp.down_proj.weight"] = {{4, 2}, std::vector<float>(8, 0.0f)};
  return m;
}

TEST(ReferenceDecoderTest, CausalAttentionWithRotateHalfRope) {
  const std::string dir = FreshDir("two_token");
  WriteModel(dir, TwoTokenModel());
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const double r = 1 / std::sqrt(1 + kEps);
  const double s0 = 2 * r * r * std::sin(1.0), s1 = 2 * r * r;
  const double p0 = std::exp(s0) / (std::exp(s0) + std::exp(s1)), p1 = 1 - p0;
  const auto h = ref->Stream({0, 1}, UnitMask::AllKept(1), 1);
  // Position 0 sees only itself: h = a + norm(a).
  ExpectNear(h[0], {0, 0, 2 + 2 * r, 0}, 1e-14);
  // Position 1: h = b + p0·norm(a) + p1·norm(b).
  ExpectNear(h[1], {2 + 2 * r * p1, 0, 2 * r * p0, 0}, 1e-14);
  ExpectNear(h[1], {3.157214, 0, 0.842786, 0}, 1e-5);  // p0 = 0.421393
}

TEST(ReferenceDecoderTest, SlidingWindowHidesOlderKeys) {
  TinyModel m = TwoTokenModel();
  m.config.model_type = "mistral";
  m.config.sliding_window = 1;  // each position sees only itself
  const std::string dir = FreshDir("window");
  WriteModel(dir, m);
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const double r = 1 / std::sqrt(1 + kEps);
  const auto h = ref->Stream({0, 1}, UnitMask::AllKept(1), 1);
  ExpectNear(h[1], {2 + 2 * r, 0, 0, 0}, 1e-14);
}

// Four query heads over two kv heads (head_dim 2): heads 0, 1 read kv head 0 and heads 2, 3 read
// kv head 1. Wv = I, and Wo reads heads 1 and 2, so the output is norm(e) only when the grouping is
// j / 2 (with j % 2 it would be the two halves swapped).
TEST(ReferenceDecoderTest, GroupedQueryHeadsShareKvHeads) {
  TinyModel m{TinyConfig(), {}};
  m.config.num_attention_heads = 4;
  m.config.num_key_value_heads = 2;
  m.config.head_dim = 2;
  TensorMap& t = m.tensors;
  t["model.embed_tokens.weight"] = {{3, 4}, {1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}};
  t["model.norm.weight"] = Ones(4);
  t["lm_head.weight"] = {{3, 4}, std::vector<float>(12, 0.0f)};
  const std::string p = "model.layers.0.";
  t[p + "input_layernorm.weight"] = Ones(4);
  t[p + "post_attention_layernorm.weight"] = Ones(4);
  t[p + "self_attn.q_proj.weight"] = {{8, 4}, std::vector<float>(32, 0.5f)};
  t[p + "self_attn.k_proj.weight"] = Eye(4);
  t[p + "self_attn.v_proj.weight"] = Eye(4);
  HostTensor o{{4, 8}, std::vector<float>(32, 0.0f)};
  for (int i = 0; i < 4; ++i) o.values[i * 8 + 2 + i] = 1;  // output i <- concatenated heads[2 + i]
  t[p + "self_attn.o_proj.weight"] = o;
  t[p + "mlp.gate_proj.weight"] = {{2, 4}, std::vector<float>(8, 0.0f)};
  t[p + "mlp.up_proj.weight"] = {{2, 4}, std::vector<float>(8, 0.0f)};
  t[p + "mlp.down_proj.weight"] = {{4, 2}, std::vector<float>(8, 0.0f)};
  const std::string dir = FreshDir("gqa");
  WriteModel(dir, m);
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  const double s = 1 + 1 / std::sqrt(30.0 / 4 + kEps);  // h = e + norm(e)
  ExpectNear(ref->Stream({0}, UnitMask::AllKept(1), 1)[0], {s, 2 * s, 3 * s, 4 * s}, 1e-14);
}

TEST(ReferenceDecoderTest, RemovedUnitsAreSkippedOrReplaced) {
  const std::string dir = FreshDir("masks");
  WriteModel(dir, SingleTokenModel());
  auto ref = LoadOrDie(dir);
  ASSERT_NE(ref, nullptr);
  UnitMask none = UnitMask::AllKept(1);
  none.RemoveBlock(0);
  ExpectNear(ref->Stream({1}, none, 2)[0], {1, -1, 1, -1}, 0);

  UnitMask no_attn = UnitMask::AllKept(1);
  no_attn.Remove({0, UnitKind::kAttention});
  Replacements additive;
  additive[0] = Replacement::Additive({0.5, 0, 0, -0.25});
  ExpectNear(ref->Stream({1}, no_attn, 1, additive)[0], {1.5, -1, 1, -1.25}, 0);

  // Low rank on the removed MLP: A = [1, 0, 0, 0], B = [0, 1, 0, 0]ᵀ, b = [0, 0, 0, 0.25], so
  // h += [0, h0, 0, 0.25].
  UnitMask no_mlp = UnitMask::AllKept(1);
  no_mlp.Remove({0, UnitKind::kMlp});
  Replacements low_rank;
  low_rank[1] = Replacement::LowRank(1, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0.25});
  const std::vector<double> h1 = ref->Stream({1}, no_mlp, 1)[0];
  ExpectNear(ref->Stream({1}, no_mlp, 2, low_rank)[0], {h1[0], h1[1] + h1[0], h1[2], h1[3] + 0.25},
             1e-14);

  // Replacements of kept units are ignored.
  const UnitMask all = UnitMask::AllKept(1);
  ExpectNear(ref->Logits({1}, all, additive)[0], ref->Logits({1}, all)[0], 0);
}

TEST(ReferenceDecoderTest, ShardedAndHalfPrecisionCheckpointsMatch) {
  // Every weight of the single-token model is exact in fp16 and bf16.
  const std::string single = FreshDir("single_f32");
  WriteModel(single, SingleTokenModel());
  auto expected = LoadOrDie(single);
  ASSERT_NE(expected, nullptr);
  const UnitMask all = UnitMask::AllKept(1);
  const auto want = expected->Logits({1, 2, 0}, all);
  struct Variant {
    const char* name;
    DType dtype;
    int shards;
  };
  for (const Variant& v : {Variant{"sharded", DType::kF32, 2}, Variant{"f16", DType::kF16, 1},
                           Variant{"bf16_sharded", DType::kBF16, 3}}) {
    SCOPED_TRACE(v.name);
    const std::string dir = FreshDir(v.name);
    WriteModel(dir, SingleTokenModel(), v.dtype, v.shards);
    auto ref = LoadOrDie(dir);
    ASSERT_NE(ref, nullptr);
    const auto got = ref->Logits({1, 2, 0}, all);
    ASSERT_EQ(got.size(), 3u);
    for (int t = 0; t < 3; ++t) ExpectNear(got[t], want[t], 0);
  }
}

TEST(ReferenceDecoderTest, LoadErrorsNameTheProblem) {
  EXPECT_EQ(ReferenceDecoder::Load("/nonexistent/depthlab/model").status().code(),
            absl::StatusCode::kNotFound);

  TinyModel missing = SingleTokenModel();
  missing.tensors.erase("model.layers.0.mlp.up_proj.weight");
  const std::string missing_dir = FreshDir("missing");
  WriteModel(missing_dir, missing);
  auto status = ReferenceDecoder::Load(missing_dir).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr("model.layers.0.mlp.up_proj.weight"));

  TinyModel wrong = SingleTokenModel();
  wrong.tensors["model.norm.weight"] = Ones(5);
  const std::string wrong_dir = FreshDir("wrong_shape");
  WriteModel(wrong_dir, wrong);
  status = ReferenceDecoder::Load(wrong_dir).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("model.norm.weight has shape [5]"));
}

}  // namespace
}  // namespace depthlab::engine::testing
