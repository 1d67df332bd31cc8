// The torch-free Engine facade: statistics against sums computed by hand from captured streams,
// loss and generation equivalences, and clear errors for bad model directories and inputs.
#include "worker/engine/engine.h"

#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "worker/engine/decoder.h"
#include "worker/engine/random_model.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {
namespace {

using ::depthlab::testing::TempDir;
using ::testing::HasSubstr;

// Hand-computed §2 sums for one unit from its input/output streams over the valid tokens.
UnitStatsSums HandSums(const at::Tensor& in, const at::Tensor& out,
                       const std::vector<int64_t>& lengths) {
  UnitStatsSums s;
  s.update_sum.assign(static_cast<size_t>(in.size(2)), 0.0);
  const auto x = in.to(at::kDouble).contiguous(), y = out.to(at::kDouble).contiguous();
  const auto xa = x.accessor<double, 3>(), ya = y.accessor<double, 3>();
  for (size_t b = 0; b < lengths.size(); ++b) {
    for (int64_t t = 0; t < lengths[b]; ++t) {
      double dot = 0, nx = 0, ny = 0, l1x = 0, l1d = 0, l2d = 0;
      for (int64_t i = 0; i < x.size(2); ++i) {
        const double xi = xa[b][t][i], yi = ya[b][t][i], d = yi - xi;
        dot += xi * yi, nx += xi * xi, ny += yi * yi;
        l1x += std::abs(xi), l1d += std::abs(d), l2d += d * d;
        s.update_sum[i] += d;
      }
      s.cosine_sum += 1 - dot / std::sqrt(nx * ny);
      s.rel_l1_sum += l1d / l1x;
      s.rel_l2_sum += std::sqrt(l2d / nx);
      s.tokens += 1;
    }
  }
  return s;
}

void ExpectSumsNear(const UnitStatsSums& got, const UnitStatsSums& want, const std::string& what) {
  EXPECT_EQ(got.tokens, want.tokens) << what;
  EXPECT_NEAR(got.cosine_sum, want.cosine_sum, 1e-4 * std::max(1.0, want.cosine_sum)) << what;
  EXPECT_NEAR(got.rel_l1_sum, want.rel_l1_sum, 1e-4 * std::max(1.0, want.rel_l1_sum)) << what;
  EXPECT_NEAR(got.rel_l2_sum, want.rel_l2_sum, 1e-4 * std::max(1.0, want.rel_l2_sum)) << what;
  for (size_t i = 0; i < want.update_sum.size(); i += 17) {
    EXPECT_NEAR(got.update_sum[i], want.update_sum[i], 1e-3) << what << " update " << i;
  }
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RandomModelOptions o;
    o.config.num_hidden_layers = 3;
    o.seed = 11;
    ASSERT_TRUE(WriteRandomModel(dir_.path(), o).ok());
    auto engine = Engine::Create({.model_dir = dir_.path(), .device = "cpu"});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  TokenSequences seqs_ = {{262, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100},
                          {262, 84, 104, 101, 32, 99, 97, 116}};
};

TEST_F(EngineTest, StatisticsMatchSumsComputedByHandFromTheStreams) {
  UnitMask mask = UnitMask::AllKept(3);
  mask.Remove({1, UnitKind::kMlp});
  auto stats = engine_->Statistics(seqs_, mask);
  ASSERT_TRUE(stats.ok()) << stats.status();

  // Reference streams at every boundary from the decoder, on the same right-padded batch.
  auto config = *ModelConfig::FromFile(dir_.Sub("config.json"));
  auto decoder =
      std::move(*Decoder::Create(config, *LoadWeights(dir_.path(), config, at::kFloat, at::kCPU)));
  at::Tensor tokens = at::zeros({2, 12}, at::kLong);
  for (size_t b = 0; b < 2; ++b) {
    for (size_t t = 0; t < seqs_[b].size(); ++t) tokens[b][t] = seqs_[b][t];
  }
  const std::vector<int64_t> lengths = {12, 8};
  std::vector<at::Tensor> s = {decoder->Embed(tokens)};
  for (int u = 0; u < 6; ++u) s.push_back(decoder->RunUnits(s.back(), u, u + 1, mask, {}));

  for (int u : {0, 1, 2, 4, 5}) {
    ExpectSumsNear(stats->sublayers[u], HandSums(s[u], s[u + 1], lengths),
                   Unit::FromFlat(u).ToString());
  }
  EXPECT_EQ(stats->sublayers[3].tokens, 0);  // mlp:1 removed
  ExpectSumsNear(stats->blocks[0], HandSums(s[0], s[2], lengths), "block:0");
  ExpectSumsNear(stats->blocks[2], HandSums(s[4], s[6], lengths), "block:2");
  EXPECT_EQ(stats->blocks[1].tokens, 0);  // half-removed blocks do not count
  EXPECT_EQ(stats->sublayers[0].tokens, 20);
  EXPECT_GT(stats->blocks[0].cosine(), 0.0);
}

TEST_F(EngineTest, ShardedStatisticsMergeToTheSinglePass) {
  const UnitMask all = UnitMask::AllKept(3);
  auto whole = engine_->Statistics(seqs_, all);
  auto first = engine_->Statistics({seqs_[0]}, all);
  auto second = engine_->Statistics({seqs_[1]}, all);
  ASSERT_TRUE(whole.ok() && first.ok() && second.ok());
  ASSERT_TRUE(first->Merge(*second).ok());
  for (int u = 0; u < 6; ++u) ExpectSumsNear(first->sublayers[u], whole->sublayers[u], "merged");
  EXPECT_EQ(first->blocks[2].tokens, 20);
}

TEST_F(EngineTest, LossIsTheSumOfLogSoftmaxOverLogits) {
  UnitMask mask = UnitMask::AllKept(3);
  ASSERT_TRUE(mask.ApplyRemovals("attn:2").ok());
  auto loss = engine_->Loss(seqs_, mask, {});
  ASSERT_TRUE(loss.ok()) << loss.status();
  const int vocab = engine_->config().vocab_size;
  double expected_total = 0;
  for (size_t b = 0; b < seqs_.size(); ++b) {
    auto logits = engine_->Logits(seqs_[b], mask, {});
    ASSERT_TRUE(logits.ok());
    double nll = 0;
    for (size_t t = 0; t + 1 < seqs_[b].size(); ++t) {
      const float* row = logits->data() + t * vocab;
      double max = row[0], sum = 0;
      for (int v = 0; v < vocab; ++v) max = std::max<double>(max, row[v]);
      for (int v = 0; v < vocab; ++v) sum += std::exp(row[v] - max);
      nll -= row[seqs_[b][t + 1]] - max - std::log(sum);
    }
    EXPECT_NEAR(loss->sequence_nll[b], nll, 1e-3);
    EXPECT_EQ(loss->sequence_tokens[b], static_cast<int64_t>(seqs_[b].size()) - 1);
    expected_total += nll;
  }
  EXPECT_NEAR(loss->nll_sum, expected_total, 2e-3);
  EXPECT_EQ(loss->tokens, 18);
}

TEST_F(EngineTest, ContinuationScoresEqualLogSoftmaxOfEachRequestAlone) {
  UnitMask mask = UnitMask::AllKept(3);
  ASSERT_TRUE(mask.ApplyRemovals("mlp:1").ok());
  const std::vector<int32_t> ctx = {262, 81, 58, 32, 50, 43, 50, 61, 10, 65, 58};
  std::vector<ContinuationRequest> requests;
  for (const std::vector<int32_t>& cont :
       std::vector<std::vector<int32_t>>{{32, 65}, {32, 66, 67, 68}, {32, 67}, {32}}) {
    ContinuationRequest r{ctx, static_cast<int>(ctx.size())};
    r.tokens.insert(r.tokens.end(), cont.begin(), cont.end());
    requests.push_back(r);
  }
  requests.push_back({{262, 70, 71, 72, 73}, 2});  // a context of its own
  auto scores = engine_->ScoreContinuations(requests, mask, {});
  ASSERT_TRUE(scores.ok()) << scores.status();
  const int vocab = engine_->config().vocab_size;
  for (size_t i = 0; i < requests.size(); ++i) {
    const ContinuationRequest& r = requests[i];
    auto logits = engine_->Logits(r.tokens, mask, {});
    ASSERT_TRUE(logits.ok());
    double expected = 0;
    bool greedy = true;
    for (size_t t = r.context_length; t < r.tokens.size(); ++t) {
      const float* row = logits->data() + (t - 1) * vocab;
      double max = row[0], sum = 0;
      int argmax = 0;
      for (int v = 0; v < vocab; ++v) {
        if (row[v] > max) max = row[v], argmax = v;
      }
      for (int v = 0; v < vocab; ++v) sum += std::exp(row[v] - max);
      expected += row[r.tokens[t]] - max - std::log(sum);
      greedy = greedy && argmax == r.tokens[t];
    }
    EXPECT_NEAR((*scores)[i].logprob, expected, 1e-4) << i;
    EXPECT_EQ((*scores)[i].tokens, static_cast<int>(r.tokens.size()) - r.context_length);
    EXPECT_EQ((*scores)[i].greedy, greedy) << i;
  }
  EXPECT_THAT(engine_->ScoreContinuations({{{1, 2}, 2}}, mask, {}).status().message(),
              HasSubstr("context_length 2 must leave"));
}

TEST_F(EngineTest, SharedPrefixAcrossContextsGivesTheSameScores) {
  // Three questions after a 14-token shared "few-shot" prefix, two choices each.
  const std::vector<int32_t> prefix = {262, 84,  104, 101, 32,  102, 111,
                                       108, 108, 111, 119, 105, 110, 103};
  std::vector<ContinuationRequest> requests;
  for (int q = 0; q < 3; ++q) {
    for (int32_t choice : {65, 66}) {
      ContinuationRequest r{prefix, 0};
      r.tokens.insert(r.tokens.end(), {static_cast<int32_t>(70 + q), 58, 10});
      r.context_length = static_cast<int>(r.tokens.size());
      r.tokens.insert(r.tokens.end(), {32, choice});
      requests.push_back(r);
    }
  }
  const UnitMask all = UnitMask::AllKept(3);
  auto together = engine_->ScoreContinuations(requests, all, {});
  ASSERT_TRUE(together.ok()) << together.status();
  for (size_t i = 0; i < requests.size(); ++i) {
    auto alone = engine_->ScoreContinuations({requests[i]}, all, {});
    ASSERT_TRUE(alone.ok());
    EXPECT_NEAR((*together)[i].logprob, (*alone)[0].logprob, 1e-4) << i;
    EXPECT_EQ((*together)[i].greedy, (*alone)[0].greedy) << i;
  }
  EXPECT_NE((*together)[0].logprob, (*together)[2].logprob);  // different questions differ
}

TEST_F(EngineTest, AFixedSharedPrefixMakesScoresIndependentOfTheOtherRequests) {
  // Two questions after a 10-token shared prefix; with shared_prefix fixed, a question scored
  // alone gets bit-identical scores to the same question scored beside the other.
  const std::vector<int32_t> prefix = {262, 84, 104, 101, 32, 102, 111, 108, 108, 111};
  std::vector<ContinuationRequest> requests;
  for (int q = 0; q < 2; ++q) {
    for (int32_t choice : {65, 66}) {
      ContinuationRequest r{prefix, 0};
      r.tokens.insert(r.tokens.end(), {static_cast<int32_t>(70 + q), 58, 10});
      r.context_length = static_cast<int>(r.tokens.size());
      r.tokens.insert(r.tokens.end(), {32, choice});
      requests.push_back(r);
    }
  }
  const UnitMask all = UnitMask::AllKept(3);
  const ScoreOptions fixed{.shared_prefix = 10};
  auto together = engine_->ScoreContinuations(requests, all, {}, fixed);
  auto first = engine_->ScoreContinuations({requests[0], requests[1]}, all, {}, fixed);
  auto second = engine_->ScoreContinuations({requests[2], requests[3]}, all, {}, fixed);
  ASSERT_TRUE(together.ok() && first.ok() && second.ok()) << together.status();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ((*together)[i].logprob, (*first)[i].logprob) << i;
    EXPECT_EQ((*together)[2 + i].logprob, (*second)[i].logprob) << i;
  }
  auto none = engine_->ScoreContinuations(requests, all, {}, {.shared_prefix = 0});
  ASSERT_TRUE(none.ok());
  EXPECT_NEAR((*none)[3].logprob, (*together)[3].logprob, 1e-4);
  // The questions differ at token 10; a prefix reaching past it is refused.
  absl::Status s = engine_->ScoreContinuations(requests, all, {}, {.shared_prefix = 11}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("shared_prefix 11 exceeds the 10 tokens"));
}

TEST_F(EngineTest, LogitDistancesSumTheL2DistanceOfEachPositionsLogits) {
  const UnitMask all = UnitMask::AllKept(3);
  UnitMask pruned = all;
  ASSERT_TRUE(pruned.ApplyRemovals("block:1").ok());
  auto result = engine_->LogitDistances(seqs_, all, {all, pruned}, {});
  ASSERT_TRUE(result.ok()) << result.status();
  const std::vector<DistanceResult>& sums = result->per_mask;
  ASSERT_EQ(sums.size(), 2u);
  // The reference and the first mask share all 6 units; the pruned mask shares the first 2, then
  // runs units 4 and 5 alone: 6 + 2 unit forwards for each of the 2 sequences.
  EXPECT_EQ(result->unit_forwards, 2 * (6 + 2));
  EXPECT_EQ(sums[0].distance_sum, 0);
  EXPECT_EQ(sums[0].positions, 20);
  const int vocab = engine_->config().vocab_size;
  double expected = 0;
  for (const auto& seq : seqs_) {
    auto full = engine_->Logits(seq, all, {});
    auto cut = engine_->Logits(seq, pruned, {});
    ASSERT_TRUE(full.ok() && cut.ok());
    for (size_t t = 0; t < seq.size(); ++t) {
      double squares = 0;
      for (int v = 0; v < vocab; ++v) {
        const double d = (*cut)[t * vocab + v] - (*full)[t * vocab + v];
        squares += d * d;
      }
      expected += std::sqrt(squares);
    }
  }
  EXPECT_GT(expected, 0);
  EXPECT_NEAR(sums[1].distance_sum, expected, 1e-5 * expected);
  EXPECT_EQ(sums[1].positions, 20);
  ASSERT_EQ(sums[1].sequence_distance.size(), 2u);
  EXPECT_EQ(sums[1].sequence_positions, (std::vector<int64_t>{12, 8}));
  EXPECT_DOUBLE_EQ(sums[1].sequence_distance[0] + sums[1].sequence_distance[1],
                   sums[1].distance_sum);
  EXPECT_EQ(engine_->LogitDistances({{}}, all, {all}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, PrefixReuseGivesEachMasksLossAloneWithFewerUnitForwards) {
  // Leave-one-out over the 6 units, the full model twice (an identical mask), a replacement on a
  // removed unit: every kind of branch of the trie.
  const UnitMask all = UnitMask::AllKept(3);
  std::vector<UnitMask> masks = {all};
  for (int u = 0; u < 6; ++u) {
    masks.push_back(all);
    masks.back().set_flat(u, false);
  }
  masks.push_back(all);
  masks.push_back(all);
  ASSERT_TRUE(masks.back().ApplyRemovals("block:0,block:2").ok());
  Replacements replacements;
  replacements[3] = Replacement::Additive(std::vector<float>(engine_->config().hidden_size, 0.01f));
  for (const Replacements& repl : {Replacements{}, replacements}) {
    auto shared = engine_->Losses(seqs_, masks, repl, {.prefix_reuse = true});
    auto alone = engine_->Losses(seqs_, masks, repl, {.prefix_reuse = false});
    ASSERT_TRUE(shared.ok() && alone.ok()) << shared.status() << alone.status();
    for (size_t i = 0; i < masks.size(); ++i) {
      auto single = engine_->Loss(seqs_, masks[i], repl);
      ASSERT_TRUE(single.ok());
      // Identical arithmetic, so identical bits.
      EXPECT_EQ(shared->per_mask[i].sequence_nll, single->sequence_nll) << "mask " << i;
      EXPECT_EQ(alone->per_mask[i].sequence_nll, single->sequence_nll) << "mask " << i;
      EXPECT_EQ(shared->per_mask[i].tokens, 18);
    }
    // Alone: 6 + 6 * 5 + 6 + 2 kept units per sequence = 44, for 2 sequences. Shared: the full
    // path (6), each leave-one-out branch after unit u (5 - u: 15 in all) and the block:0,2 branch
    // (units 2 and 3 after removing 0 and 1): 23 per sequence.
    EXPECT_EQ(alone->unit_forwards, 2 * 44);
    EXPECT_EQ(shared->unit_forwards, 2 * 23);
  }
}

TEST_F(EngineTest, PrefixReuseGivesEachMasksLogitDistanceAlone) {
  const UnitMask all = UnitMask::AllKept(3);
  std::vector<UnitMask> masks;
  for (const char* removal : {"attn:2", "block:1", "mlp:0", "block:1"}) {
    masks.push_back(all);
    ASSERT_TRUE(masks.back().ApplyRemovals(removal).ok());
  }
  // A reference that is not the full model: its leaf must still come first.
  UnitMask reference = all;
  ASSERT_TRUE(reference.ApplyRemovals("mlp:2").ok());
  auto shared = engine_->LogitDistances(seqs_, reference, masks, {}, {.prefix_reuse = true});
  auto alone = engine_->LogitDistances(seqs_, reference, masks, {}, {.prefix_reuse = false});
  ASSERT_TRUE(shared.ok() && alone.ok()) << shared.status() << alone.status();
  for (size_t i = 0; i < masks.size(); ++i) {
    auto single =
        engine_->LogitDistances(seqs_, reference, {masks[i]}, {}, {.prefix_reuse = false});
    ASSERT_TRUE(single.ok());
    EXPECT_GT(single->per_mask[0].distance_sum, 0);
    EXPECT_EQ(shared->per_mask[i].sequence_distance, single->per_mask[0].sequence_distance);
    EXPECT_EQ(alone->per_mask[i].sequence_distance, single->per_mask[0].sequence_distance);
  }
  // Alone: 5 (reference) + 5 + 4 + 5 + 4 = 23 kept units per sequence. Shared: reference path 5;
  // attn:2 branches at unit 4 and runs unit 5 (1); block:1 (twice) branches at 2 and runs 4, 5
  // (2); mlp:0 branches at 1 and runs 2..5 (4): 12.
  EXPECT_EQ(alone->unit_forwards, 2 * 23);
  EXPECT_EQ(shared->unit_forwards, 2 * 12);
}

TEST_F(EngineTest, GenerationStopsWhenTheCallbackSaysSo) {
  GenerateOptions options;
  options.max_new_tokens = 20;
  options.stop_at_eos = false;
  auto full = engine_->Generate(seqs_[1], UnitMask::AllKept(3), {}, options);
  options.stop = [](const std::vector<int32_t>& generated) { return generated.size() == 5; };
  auto stopped = engine_->Generate(seqs_[1], UnitMask::AllKept(3), {}, options);
  ASSERT_TRUE(full.ok() && stopped.ok());
  ASSERT_EQ(stopped->size(), 5u);
  EXPECT_EQ(*stopped, std::vector<int32_t>(full->begin(), full->begin() + 5));
}

TEST_F(EngineTest, GenerationWithCacheEqualsGenerationWithout) {
  UnitMask mask = UnitMask::AllKept(3);
  ASSERT_TRUE(mask.ApplyRemovals("attn:1").ok());
  GenerateOptions cached;
  cached.max_new_tokens = 12;
  cached.stop_at_eos = false;
  GenerateOptions plain = cached;
  plain.use_cache = false;
  auto a = engine_->Generate(seqs_[0], mask, {}, cached);
  auto b = engine_->Generate(seqs_[0], mask, {}, plain);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 12u);
  EXPECT_EQ(*a, *b);
}

TEST(EngineSlidingWindowTest, GenerationWithCacheEqualsGenerationWithoutPastTheWindow) {
  TempDir dir;
  RandomModelOptions o;
  o.config.model_type = "mistral";
  o.config.sliding_window = 5;
  o.seed = 3;
  ASSERT_TRUE(WriteRandomModel(dir.path(), o).ok());
  auto engine = Engine::Create({.model_dir = dir.path(), .device = "cpu"});
  ASSERT_TRUE(engine.ok()) << engine.status();
  const UnitMask all = UnitMask::AllKept(4);
  GenerateOptions cached;
  cached.max_new_tokens = 16;
  cached.stop_at_eos = false;
  GenerateOptions plain = cached;
  plain.use_cache = false;
  const std::vector<int32_t> prompt = {262, 10, 20, 30, 40, 50, 60, 70};
  EXPECT_EQ(*(*engine)->Generate(prompt, all, {}, cached),
            *(*engine)->Generate(prompt, all, {}, plain));
}

TEST(EngineErrorsTest, BadModelDirectoriesGiveClearErrors) {
  EXPECT_EQ(Engine::Create({.model_dir = "/nonexistent/model"}).status().code(),
            absl::StatusCode::kNotFound);
  TempDir dir;
  ASSERT_TRUE(WriteRandomModel(dir.path(), RandomModelOptions()).ok());
  // Truncate the weights: the loader names the file.
  std::filesystem::resize_file(dir.Sub("model.safetensors"), 100);
  absl::Status s = Engine::Create({.model_dir = dir.path()}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("model.safetensors"));
  // A config without a required field.
  std::ofstream(dir.Sub("config.json")) << R"({"model_type": "llama", "vocab_size": 320})";
  s = Engine::Create({.model_dir = dir.path()}).status();
  EXPECT_THAT(s.message(), HasSubstr("config.json: missing required field 'hidden_size'"));
}

TEST_F(EngineTest, BadInputsAreInvalidArgument) {
  const UnitMask all = UnitMask::AllKept(3);
  absl::Status s = engine_->Loss({{1, 2, 99999}}, all, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("token id 99999 is outside the vocabulary [0, 320)"));
  EXPECT_THAT(engine_->Loss({{5}}, all, {}).status().message(), HasSubstr("loss needs >= 2"));
  EXPECT_THAT(engine_->Loss(seqs_, UnitMask::AllKept(5), {}).status().message(),
              HasSubstr("mask covers 5 layers; the model has 3"));
  Replacements bad = {{1, Replacement::Additive({1.0f, 2.0f})}};
  EXPECT_THAT(engine_->Loss(seqs_, all, bad).status().message(),
              HasSubstr("replacement for mlp:0: vector has 2 values, expected hidden size 64"));
}

}  // namespace
}  // namespace depthlab::engine
