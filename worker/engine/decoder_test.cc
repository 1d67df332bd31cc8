// Invariants of the masked decoder on small random checkpoints: removed units leave the stream
// unchanged, resuming from a captured boundary equals full recompute, the chunked loss equals
// log-softmax over materialised logits, batching with right padding changes nothing, and
// replacements act exactly as specified. (Agreement with an independent reference forward is
// decoder_reference_test.cc.)
#include "worker/engine/decoder.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "worker/engine/random_model.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {
namespace {

using ::depthlab::testing::TempDir;

class DecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RandomModelOptions o;
    o.config.num_hidden_layers = 4;
    o.seed = 7;
    ASSERT_TRUE(WriteRandomModel(dir_.path(), o).ok());
    auto config = ModelConfig::FromFile(dir_.Sub("config.json"));
    ASSERT_TRUE(config.ok());
    auto weights = LoadWeights(dir_.path(), *config, at::kFloat, at::kCPU);
    ASSERT_TRUE(weights.ok()) << weights.status();
    auto decoder = Decoder::Create(*config, std::move(*weights));
    ASSERT_TRUE(decoder.ok());
    decoder_ = std::move(*decoder);
    tokens_ = at::randint(0, 256, {2, 11}, at::TensorOptions().dtype(at::kLong));
  }

  // Streams at every boundary 0..2L of a forward under `mask` (boundary b = before unit b).
  std::vector<at::Tensor> Boundaries(const UnitMask& mask) const {
    std::vector<at::Tensor> streams;
    at::Tensor h = decoder_->Embed(tokens_);
    streams.push_back(h);
    for (int u = 0; u < decoder_->num_units(); ++u) {
      h = decoder_->RunUnits(h, u, u + 1, mask, {});
      streams.push_back(h);
    }
    return streams;
  }

  TempDir dir_;
  std::unique_ptr<Decoder> decoder_;
  at::Tensor tokens_;
};

TEST_F(DecoderTest, RemovedUnitLeavesTheResidualStreamUnchanged) {
  UnitMask mask = UnitMask::AllKept(4);
  ASSERT_TRUE(mask.ApplyRemovals("attn:1,block:2").ok());
  const std::vector<at::Tensor> s = Boundaries(mask);
  EXPECT_TRUE(at::equal(s[2], s[3]));   // attn:1 removed: stream before == after
  EXPECT_TRUE(at::equal(s[4], s[5]));   // attn:2
  EXPECT_TRUE(at::equal(s[5], s[6]));   // mlp:2
  EXPECT_FALSE(at::equal(s[3], s[4]));  // mlp:1 kept: it changes the stream
}

TEST_F(DecoderTest, ResumingFromEveryBoundaryEqualsFullRecompute) {
  UnitMask mask = UnitMask::AllKept(4);
  ASSERT_TRUE(mask.ApplyRemovals("mlp:0").ok());
  const at::Tensor full = decoder_->Logits(tokens_, mask, {});
  std::vector<at::Tensor> captured;
  const UnitObserver capture = [&](int, const at::Tensor& in, const at::Tensor&) {
    captured.push_back(in);
  };
  decoder_->RunUnits(decoder_->Embed(tokens_), 0, 8, mask, {}, 0, nullptr, &capture);
  const std::vector<at::Tensor> s = Boundaries(mask);
  for (int b = 0; b <= 8; ++b) {
    const at::Tensor resumed = decoder_->Head(decoder_->RunUnits(s[b], b, 8, mask, {}));
    EXPECT_TRUE(at::allclose(resumed, full, 1e-6, 1e-6)) << "boundary " << b;
  }
  ASSERT_EQ(captured.size(), 7u);  // one per kept unit
  EXPECT_TRUE(at::equal(captured[1], s[2]));
}

TEST_F(DecoderTest, AllKeptMaskEqualsThePlainForward) {
  const UnitMask all = UnitMask::AllKept(4);
  const at::Tensor masked = decoder_->Logits(tokens_, all, {});
  at::Tensor h = decoder_->Embed(tokens_);
  for (int u = 0; u < 8; ++u) h = decoder_->RunUnits(h, u, u + 1, all, {});
  EXPECT_TRUE(at::equal(masked, decoder_->Head(h)));
  UnitMask one_removed = all;
  one_removed.Remove({3, UnitKind::kMlp});
  EXPECT_FALSE(at::allclose(decoder_->Logits(tokens_, one_removed, {}), masked));
}

TEST_F(DecoderTest, ChunkedLossEqualsLogSoftmaxOfLogits) {
  UnitMask mask = UnitMask::AllKept(4);
  mask.Remove({0, UnitKind::kAttention});
  const at::Tensor logits = decoder_->Logits(tokens_, mask, {});
  const at::Tensor logp = at::log_softmax(logits.to(at::kDouble), -1);
  const std::vector<int64_t> lengths = {11, 7};  // row 1 right-padded after 7 tokens
  double expected[2] = {0, 0};
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t + 1 < lengths[b]; ++t) {
      expected[b] -= logp[b][t][tokens_[b][t + 1].item<int64_t>()].item<double>();
    }
  }
  const at::Tensor h = decoder_->RunUnits(decoder_->Embed(tokens_), 0, 8, mask, {});
  const auto [nll, counts] = decoder_->SequenceLoss(h, tokens_, lengths);
  EXPECT_NEAR(nll[0].item<double>(), expected[0], 1e-4);
  EXPECT_NEAR(nll[1].item<double>(), expected[1], 1e-4);
  EXPECT_EQ(counts[0].item<int64_t>(), 10);
  EXPECT_EQ(counts[1].item<int64_t>(), 6);
}

TEST_F(DecoderTest, RightPaddingDoesNotChangeTheRealPositions) {
  const UnitMask all = UnitMask::AllKept(4);
  const at::Tensor alone = decoder_->Logits(tokens_.narrow(0, 1, 1).narrow(1, 0, 7), all, {});
  const at::Tensor batched = decoder_->Logits(tokens_, all, {});
  EXPECT_TRUE(at::allclose(batched.narrow(0, 1, 1).narrow(1, 0, 7), alone, 1e-5, 1e-5));
}

TEST_F(DecoderTest, ReplacementsActOnlyOnRemovedUnits) {
  const int64_t hidden = 64;
  std::vector<float> vec(hidden), a(2 * hidden), b(2 * hidden), bias(hidden);
  for (int64_t i = 0; i < hidden; ++i) vec[i] = bias[i] = 0.01f * static_cast<float>(i % 7);
  for (size_t i = 0; i < a.size(); ++i) a[i] = b[i] = 0.02f * static_cast<float>(i % 5) - 0.04f;
  Replacements repl = {{2, Replacement::Additive(vec)}, {5, Replacement::LowRank(2, a, b, bias)}};
  const ReplacementTensorMap tensors = decoder_->ToTensors(repl);

  UnitMask mask = UnitMask::AllKept(4);
  ASSERT_TRUE(mask.ApplyRemovals("attn:1,mlp:2").ok());  // flat 2 and 5
  const std::vector<at::Tensor> s = Boundaries(mask);
  const at::Tensor after_add = decoder_->RunUnits(s[2], 2, 3, mask, tensors);
  EXPECT_TRUE(at::allclose(after_add, s[2] + tensors.at(2).additive));
  const at::Tensor x = s[5];
  const at::Tensor lr = decoder_->RunUnits(x, 5, 6, mask, tensors);
  const at::Tensor expected =
      x + at::matmul(at::matmul(x, tensors.at(5).a.t()), tensors.at(5).b.t()) + tensors.at(5).bias;
  EXPECT_TRUE(at::allclose(lr, expected, 1e-5, 1e-6));
  // A replacement on a kept unit is ignored.
  const UnitMask all = UnitMask::AllKept(4);
  EXPECT_TRUE(
      at::equal(decoder_->Logits(tokens_, all, tensors), decoder_->Logits(tokens_, all, {})));
}

TEST_F(DecoderTest, KvCacheDecodingEqualsFullRecompute) {
  UnitMask mask = UnitMask::AllKept(4);
  ASSERT_TRUE(mask.ApplyRemovals("attn:2").ok());
  const at::Tensor row = tokens_.narrow(0, 0, 1);
  const at::Tensor full = decoder_->Logits(row, mask, {});
  KVCache cache;
  const at::Tensor prefix =
      decoder_->RunUnits(decoder_->Embed(row.narrow(1, 0, 6)), 0, 8, mask, {}, 0, &cache);
  cache.length = 6;
  EXPECT_FALSE(cache.keys[2].defined());  // removed attention holds no cache
  EXPECT_EQ(cache.keys[1].size(2), 6);
  for (int64_t t = 6; t < 11; ++t) {
    const at::Tensor step =
        decoder_->RunUnits(decoder_->Embed(row.narrow(1, t, 1)), 0, 8, mask, {}, t, &cache);
    cache.length = t + 1;
    EXPECT_TRUE(at::allclose(decoder_->Head(step), full.narrow(1, t, 1), 1e-5, 1e-5)) << t;
  }
  EXPECT_TRUE(at::allclose(decoder_->Head(prefix), full.narrow(1, 0, 6), 1e-5, 1e-5));
}

// Packed training: with the document mask, each document of a window computes what it would
// alone (RoPE is relative, so its offset in the window does not matter), including a window that
// begins mid-document; without the mask, the later documents see the earlier ones.
TEST_F(DecoderTest, DocumentMaskRunsEachPackedDocumentAsIfAlone) {
  constexpr int64_t kBos = 1;
  const auto longs = at::TensorOptions().dtype(at::kLong);
  const at::Tensor tail = at::randint(2, 256, {1, 3}, longs);  // the end of a cut document
  at::Tensor first = at::randint(2, 256, {1, 6}, longs);
  at::Tensor second = at::randint(2, 256, {1, 5}, longs);
  first[0][0] = kBos;
  second[0][0] = kBos;
  const at::Tensor packed = at::cat({tail, first, second}, 1);  // [1, 14]
  const UnitMask all = UnitMask::AllKept(4);
  const auto alone = [&](const at::Tensor& t) {
    return decoder_->RunUnits(decoder_->Embed(t), 0, decoder_->num_units(), all, {});
  };
  const at::Tensor masked = decoder_->RunDocuments(packed, kBos);
  ASSERT_EQ(masked.sizes(), (at::IntArrayRef{1, 14, 64}));
  EXPECT_TRUE(at::allclose(masked.narrow(1, 0, 3), alone(tail), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(masked.narrow(1, 3, 6), alone(first), 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(masked.narrow(1, 9, 5), alone(second), 1e-4, 1e-5));

  const at::Tensor unmasked = alone(packed);
  EXPECT_TRUE(at::allclose(unmasked.narrow(1, 0, 3), alone(tail), 1e-4, 1e-5));  // causal
  EXPECT_GT((unmasked.narrow(1, 9, 5) - alone(second)).abs().max().item<double>(), 1e-3);

  // Rows of a batch keep their own documents: a second row, one whole document.
  const at::Tensor other = at::randint(2, 256, {1, 14}, longs);
  const at::Tensor batched = decoder_->RunDocuments(at::cat({packed, other}, 0), kBos);
  EXPECT_TRUE(at::allclose(batched[0], masked[0], 1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(batched[1], alone(other)[0], 1e-4, 1e-5));
}

TEST(RopeTest, Llama3ScalingMatchesHandComputedBands) {
  ModelConfig c = RandomModelOptions::DefaultConfig();
  c.head_dim = 8;
  c.rope_theta = 10000;
  c.rope_scaling = RopeScaling{"llama3", 8.0, 1.0, 4.0, 64};
  // Unscaled: 1, 0.1, 0.01, 0.001 -> wavelengths 6.28, 62.8, 628, 6283. low_wavelen = 64,
  // high_wavelen = 16: 6.28 stays, 62.8 is in the medium band, the others are divided by 8.
  const std::vector<double> inv = RopeInverseFrequencies(c);
  EXPECT_DOUBLE_EQ(inv[0], 1.0);
  const double smooth = (64 / (2 * M_PI / 0.1) - 1.0) / 3.0;
  EXPECT_NEAR(inv[1], (1 - smooth) * 0.1 / 8 + smooth * 0.1, 1e-15);
  EXPECT_NEAR(inv[2], 0.01 / 8, 1e-15);
  EXPECT_NEAR(inv[3], 0.001 / 8, 1e-15);
}

TEST(WeightsTest, MissingAndMisshapedTensorsNameFileAndTensor) {
  TempDir dir;
  RandomModelOptions o;
  ASSERT_TRUE(WriteRandomModel(dir.path(), o).ok());
  ModelConfig c = *ModelConfig::FromFile(dir.Sub("config.json"));
  ModelConfig wider = c;
  wider.intermediate_size = 256;
  absl::Status s = LoadWeights(dir.path(), wider, at::kFloat, at::kCPU).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("model.safetensors: tensor 'model.layers.0.mlp.gate_proj.weight' "
                             "has shape [128, 64], expected [256, 64]"),
            std::string::npos)
      << s;
  ModelConfig deeper = c;
  deeper.num_hidden_layers = 5;
  s = LoadWeights(dir.path(), deeper, at::kFloat, at::kCPU).status();
  EXPECT_NE(s.message().find("missing tensor 'model.layers.4.input_layernorm.weight'"),
            std::string::npos)
      << s;
  EXPECT_EQ(LoadWeights("/nonexistent", c, at::kFloat, at::kCPU).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(WeightsTest, ShardedAndHalfPrecisionCheckpointsLoadTheSameValues) {
  TempDir single, sharded;
  RandomModelOptions o;
  o.dtype = DType::kBF16;
  ASSERT_TRUE(WriteRandomModel(single.path(), o).ok());
  o.num_shards = 3;
  ASSERT_TRUE(WriteRandomModel(sharded.path(), o).ok());
  ModelConfig c = *ModelConfig::FromFile(single.Sub("config.json"));
  auto a = LoadWeights(single.path(), c, at::kFloat, at::kCPU);
  auto b = LoadWeights(sharded.path(), c, at::kFloat, at::kCPU);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  EXPECT_TRUE(at::equal(a->layers[3].down_proj, b->layers[3].down_proj));
  EXPECT_TRUE(at::equal(a->lm_head, b->lm_head));
  // bf16 storage: every value is exactly representable in bf16.
  EXPECT_TRUE(at::equal(a->embed_tokens, a->embed_tokens.to(at::kBFloat16).to(at::kFloat)));
}

}  // namespace
}  // namespace depthlab::engine

namespace depthlab::engine {
namespace {

at::Tensor Qwen2Logits(std::optional<int> window, int from_layer, const at::Tensor& tokens) {
  TempDir dir;
  RandomModelOptions o;
  o.config.model_type = "qwen2";
  o.config.sliding_window = window;
  o.config.sliding_window_from_layer = from_layer;
  EXPECT_TRUE(WriteRandomModel(dir.path(), o).ok());
  ModelConfig c = *ModelConfig::FromFile(dir.Sub("config.json"));
  EXPECT_EQ(c.sliding_window_from_layer, window ? from_layer : 0);
  auto d = std::move(*Decoder::Create(c, *LoadWeights(dir.path(), c, at::kFloat, at::kCPU)));
  return d->Logits(tokens, UnitMask::AllKept(4), {});
}

TEST(Qwen2WindowTest, SlidingWindowAppliesFromMaxWindowLayers) {
  const at::Tensor tokens = at::arange(20, 40, at::kLong).view({1, 20});
  const at::Tensor full = Qwen2Logits(std::nullopt, 0, tokens);
  // All four layers below max_window_layers: identical to no window at all.
  EXPECT_TRUE(at::equal(Qwen2Logits(3, 4, tokens), full));
  // Windowed from layer 2: the first 3 positions see no more than 3 keys either way.
  const at::Tensor late = Qwen2Logits(3, 2, tokens);
  EXPECT_TRUE(at::allclose(late.narrow(1, 0, 3), full.narrow(1, 0, 3), 1e-6, 1e-6));
  EXPECT_FALSE(at::allclose(late, full, 1e-3, 1e-3));
  EXPECT_FALSE(at::allclose(late, Qwen2Logits(3, 0, tokens), 1e-3, 1e-3));
}

}  // namespace
}  // namespace depthlab::engine
