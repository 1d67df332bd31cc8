// The engine's libtorch decoder (fp32 on CPU) against the independent double-precision reference
// (testing/reference_decoder.h) on small random models that cover each architecture option the
// engine supports: MHA/GQA/MQA, tied embeddings, q/k/v and o biases, rope_theta, llama3 and linear
// rope_scaling, Mistral's sliding window, fp16/bf16 storage and sharded checkpoints. Full, batched,
// masked and replaced forwards, the stream at every unit boundary, resumed forwards and KV-cached
// decoding must agree to max |engine - reference| / max |reference| < 1e-4.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "worker/engine/decoder.h"
#include "worker/engine/model_config.h"
#include "worker/engine/random_model.h"
#include "worker/engine/replacement.h"
#include "worker/engine/testing/reference_decoder.h"
#include "worker/engine/unit_mask.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {
namespace {

using testing::ReferenceDecoder;

constexpr double kTolerance = 1e-4;
constexpr int kSequenceLength = 16;

struct ModelCase {
  std::string name;
  RandomModelOptions options;
};

// Names the case in gtest failure messages.
void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.name; }

std::vector<ModelCase> ModelCases() {
  std::vector<ModelCase> cases;
  auto add = [&cases](const std::string& name, auto edit) {
    ModelCase c{name, RandomModelOptions()};
    c.options.seed = cases.size() + 11;
    edit(c.options);
    cases.push_back(c);
  };
  add("llama_mha", [](RandomModelOptions& o) { o.config.num_key_value_heads = 4; });
  add("llama_gqa_tied", [](RandomModelOptions& o) { o.config.tie_word_embeddings = true; });
  add("llama_mqa_wide_heads", [](RandomModelOptions& o) {
    o.config.num_key_value_heads = 1;
    o.config.head_dim = 32;  // q_dim 128 != hidden 64
  });
  add("qwen2_qkv_bias", [](RandomModelOptions& o) {
    o.config.model_type = "qwen2";
    o.config.qkv_bias = true;
    o.config.tie_word_embeddings = true;
    o.config.rope_theta = 1000000;
  });
  add("llama_attention_bias",
      [](RandomModelOptions& o) { o.config.qkv_bias = o.config.o_bias = true; });
  add("llama_theta_500k", [](RandomModelOptions& o) { o.config.rope_theta = 500000; });
  add("llama3_rope_scaling", [](RandomModelOptions& o) {
    o.config.rope_theta = 500000;
    // original_max_position_embeddings 64 puts the scaled and smoothed bands among the frequencies
    // that turn noticeably within 16 positions (head_dim 16: wavelengths 6.3, 32, 167, ...).
    o.config.rope_scaling = RopeScaling{"llama3", /*factor=*/8, /*low_freq_factor=*/1,
                                        /*high_freq_factor=*/4,
                                        /*original_max_position_embeddings=*/64};
  });
  add("llama_linear_rope_scaling", [](RandomModelOptions& o) {
    o.config.rope_scaling = RopeScaling{"linear", /*factor=*/4};
  });
  add("mistral_sliding_window", [](RandomModelOptions& o) {
    o.config.model_type = "mistral";
    o.config.sliding_window = 5;  // < kSequenceLength
  });
  add("f16_weights", [](RandomModelOptions& o) { o.dtype = DType::kF16; });
  add("bf16_weights", [](RandomModelOptions& o) { o.dtype = DType::kBF16; });
  add("sharded", [](RandomModelOptions& o) { o.num_shards = 2; });
  return cases;
}

// Row-major [rows][cols] view of a [1, rows, cols] (or [rows, cols]) tensor.
std::vector<std::vector<double>> ToRows(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kDouble).contiguous().reshape({-1, t.size(-1)});
  std::vector<std::vector<double>> rows(d.size(0));
  const double* p = d.data_ptr<double>();
  for (size_t r = 0; r < rows.size(); ++r) {
    rows[r].assign(p + r * d.size(1), p + (r + 1) * d.size(1));
  }
  return rows;
}

// max |a - b| / max |b| over all elements.
double MaxRelativeError(const std::vector<std::vector<double>>& a,
                        const std::vector<std::vector<double>>& b) {
  EXPECT_EQ(a.size(), b.size());
  double max_diff = 0, max_ref = 0;
  for (size_t r = 0; r < std::min(a.size(), b.size()); ++r) {
    EXPECT_EQ(a[r].size(), b[r].size());
    for (size_t i = 0; i < std::min(a[r].size(), b[r].size()); ++i) {
      max_diff = std::max(max_diff, std::abs(a[r][i] - b[r][i]));
      max_ref = std::max(max_ref, std::abs(b[r][i]));
    }
  }
  return max_ref > 0 ? max_diff / max_ref : max_diff;
}

std::vector<int32_t> RandomTokens(int vocab, int length, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> token(0, vocab - 1);
  std::vector<int32_t> tokens = {kByteLevelBosId};
  while (static_cast<int>(tokens.size()) < length) tokens.push_back(token(rng));
  return tokens;
}

at::Tensor TokenTensor(const std::vector<std::vector<int32_t>>& batch) {
  std::vector<int64_t> flat;
  for (const auto& row : batch) flat.insert(flat.end(), row.begin(), row.end());
  return at::tensor(flat, at::kLong).reshape({static_cast<int64_t>(batch.size()), -1});
}

std::vector<float> Gaussian(size_t n, double stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, static_cast<float>(stddev));
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

class DecoderReferenceTest : public ::testing::TestWithParam<ModelCase> {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("model");
    ASSERT_TRUE(WriteRandomModel(dir_, GetParam().options).ok());
    auto config = ModelConfig::FromFile(dir_ + "/config.json");
    ASSERT_TRUE(config.ok()) << config.status();
    auto weights = LoadWeights(dir_, *config, at::kFloat, at::kCPU);
    ASSERT_TRUE(weights.ok()) << weights.status();
    auto decoder = Decoder::Create(*config, std::move(weights).value());
    ASSERT_TRUE(decoder.ok()) << decoder.status();
    decoder_ = std::move(decoder).value();
    auto reference = ReferenceDecoder::Load(dir_);
    ASSERT_TRUE(reference.ok()) << reference.status();
    reference_ = std::move(reference).value();
    num_layers_ = config->num_hidden_layers;
    hidden_ = config->hidden_size;
    tokens_ = RandomTokens(config->vocab_size, kSequenceLength, /*seed=*/5);
  }

  // Engine vs reference logits of tokens_ under `mask`, as a max relative error.
  double LogitsError(const UnitMask& mask, const Replacements& replacements = {}) {
    const at::Tensor logits =
        decoder_->Logits(TokenTensor({tokens_}), mask, decoder_->ToTensors(replacements));
    EXPECT_EQ(logits.scalar_type(), at::kFloat);
    return MaxRelativeError(ToRows(logits), reference_->Logits(tokens_, mask, replacements));
  }

  UnitMask Mask(const std::string& removals) const {
    UnitMask mask = UnitMask::AllKept(num_layers_);
    EXPECT_TRUE(mask.ApplyRemovals(removals).ok()) << removals;
    return mask;
  }

  // An additive update for attn:1 and a rank-3 adapter for mlp:2, of the stream's magnitude.
  Replacements SomeReplacements() const {
    std::mt19937 rng(17);
    Replacements r;
    r[Unit{1, UnitKind::kAttention}.flat_index()] =
        Replacement::Additive(Gaussian(hidden_, 0.1, rng));
    const int rank = 3;
    r[Unit{2, UnitKind::kMlp}.flat_index()] =
        Replacement::LowRank(rank, Gaussian(rank * hidden_, 0.3, rng),
                             Gaussian(hidden_ * rank, 0.3, rng), Gaussian(hidden_, 0.05, rng));
    return r;
  }

  ::depthlab::testing::TempDir tmp_;
  std::string dir_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<ReferenceDecoder> reference_;
  int num_layers_ = 0;
  int hidden_ = 0;
  std::vector<int32_t> tokens_;
};

TEST_P(DecoderReferenceTest, FullModelLogitsMatch) {
  const double error = LogitsError(UnitMask::AllKept(num_layers_));
  RecordProperty("full_model_max_relative_error", absl::StrCat(error));
  EXPECT_LT(error, kTolerance);
}

TEST_P(DecoderReferenceTest, BatchedRowsMatchTheirOwnForward) {
  const std::vector<int32_t> other =
      RandomTokens(reference_->config().vocab_size, kSequenceLength, /*seed=*/6);
  const UnitMask all = UnitMask::AllKept(num_layers_);
  const at::Tensor logits = decoder_->Logits(TokenTensor({tokens_, other}), all, {});
  ASSERT_EQ(logits.dim(), 3);
  ASSERT_EQ(logits.size(0), 2);
  EXPECT_LT(MaxRelativeError(ToRows(logits[0]), reference_->Logits(tokens_, all)), kTolerance);
  EXPECT_LT(MaxRelativeError(ToRows(logits[1]), reference_->Logits(other, all)), kTolerance);
}

TEST_P(DecoderReferenceTest, MaskedLogitsMatch) {
  double worst = 0;
  for (const char* removals :
       {"attn:1", "mlp:2", "block:1", "attn:0,mlp:3", "block:1-2,attn:3", "block:0-3"}) {
    SCOPED_TRACE(removals);
    const double error = LogitsError(Mask(removals));
    worst = std::max(worst, error);
    EXPECT_LT(error, kTolerance);
  }
  RecordProperty("masked_max_relative_error", absl::StrCat(worst));
}

TEST_P(DecoderReferenceTest, ReplacedUnitsMatch) {
  const Replacements replacements = SomeReplacements();
  const double error = LogitsError(Mask("attn:1,mlp:2"), replacements);
  RecordProperty("replaced_max_relative_error", absl::StrCat(error));
  EXPECT_LT(error, kTolerance);
  // The replacements change the answer (so the comparison above is not vacuous)...
  const UnitMask removed = Mask("attn:1,mlp:2");
  EXPECT_GT(MaxRelativeError(reference_->Logits(tokens_, removed, replacements),
                             reference_->Logits(tokens_, removed)),
            100 * kTolerance);
  // ...and replacements of kept units are ignored.
  EXPECT_LT(LogitsError(Mask("mlp:2"), replacements), kTolerance);
}

TEST_P(DecoderReferenceTest, StreamsMatchAtEveryBoundaryAndResume) {
  const UnitMask mask = Mask("attn:1,mlp:2");
  const Replacements replacements = SomeReplacements();
  const ReplacementTensorMap tensors = decoder_->ToTensors(replacements);
  const at::Tensor embedded = decoder_->Embed(TokenTensor({tokens_}));
  const auto want_logits = reference_->Logits(tokens_, mask, replacements);
  for (int boundary = 0; boundary <= 2 * num_layers_; ++boundary) {
    SCOPED_TRACE(absl::StrCat("boundary ", boundary));
    const at::Tensor h = decoder_->RunUnits(embedded, 0, boundary, mask, tensors);
    EXPECT_LT(
        MaxRelativeError(ToRows(h), reference_->Stream(tokens_, mask, boundary, replacements)),
        kTolerance);
    const at::Tensor resumed = decoder_->RunUnits(h, boundary, 2 * num_layers_, mask, tensors);
    EXPECT_LT(MaxRelativeError(ToRows(decoder_->Head(resumed)), want_logits), kTolerance);
  }
}

// Prefill then one token at a time through the KV cache (as Engine::Generate does), with a removed
// attention unit that holds no cache; every position's logits match the full reference forward.
TEST_P(DecoderReferenceTest, CachedDecodeMatches) {
  const UnitMask mask = Mask("attn:1,mlp:2");
  const Replacements replacements = SomeReplacements();
  const ReplacementTensorMap tensors = decoder_->ToTensors(replacements);
  const auto want = reference_->Logits(tokens_, mask, replacements);
  const int prefill = 10;  // longer than mistral_sliding_window's window
  KVCache cache;
  std::vector<std::vector<double>> got;
  for (int begin = 0; begin < kSequenceLength;) {
    const int end = begin == 0 ? prefill : begin + 1;
    const std::vector<int32_t> step(tokens_.begin() + begin, tokens_.begin() + end);
    const at::Tensor h = decoder_->RunUnits(decoder_->Embed(TokenTensor({step})), 0,
                                            2 * num_layers_, mask, tensors, begin, &cache);
    cache.length = end;
    for (auto& row : ToRows(decoder_->Head(h))) got.push_back(std::move(row));
    begin = end;
  }
  const double error = MaxRelativeError(got, want);
  RecordProperty("cached_max_relative_error", absl::StrCat(error));
  EXPECT_LT(error, kTolerance);
}

TEST_P(DecoderReferenceTest, RopeInverseFrequenciesMatch) {
  const std::vector<double> engine = RopeInverseFrequencies(reference_->config());
  const std::vector<double> reference = ReferenceDecoder::InverseFrequencies(reference_->config());
  ASSERT_EQ(engine.size(), reference.size());
  // HF computes inv_freq in fp32, so agreement to fp32 rounding is exact enough.
  for (size_t d = 0; d < engine.size(); ++d) {
    EXPECT_NEAR(engine[d], reference[d], 1e-6 * reference[d]) << "d = " << d;
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, DecoderReferenceTest, ::testing::ValuesIn(ModelCases()),
                         [](const ::testing::TestParamInfo<ModelCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace depthlab::engine
