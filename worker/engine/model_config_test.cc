#include "worker/engine/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace depthlab::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kLlama3[] = R"({
  "model_type": "llama", "vocab_size": 128256, "hidden_size": 4096, "intermediate_size": 14336,
  "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16"})";

TEST(ModelConfigTest, ParsesLlama3WithScalingAndGqa) {
  auto c = ModelConfig::Parse(kLlama3, "config.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->num_key_value_heads, 8);
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_EQ(c->kv_dim(), 1024);
  EXPECT_DOUBLE_EQ(c->rope_theta, 500000.0);
  ASSERT_TRUE(c->rope_scaling.has_value());
  EXPECT_EQ(c->rope_scaling->rope_type, "llama3");
  EXPECT_EQ(c->rope_scaling->original_max_position_embeddings, 8192);
  EXPECT_EQ(c->eos_token_id, 128001);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_FALSE(c->sliding_window.has_value());
}

TEST(ModelConfigTest, Qwen2HasQkvBiasAndSlidingWindowOnlyWhenEnabled) {
  const std::string base = R"({"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
    "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
    "sliding_window": 32768, "use_sliding_window": )";
  auto off = ModelConfig::Parse(base + "false}", "config.json");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_TRUE(off->qkv_bias);
  EXPECT_FALSE(off->o_bias);
  EXPECT_TRUE(off->tie_word_embeddings);
  EXPECT_EQ(off->head_dim, 64);
  EXPECT_FALSE(off->sliding_window.has_value());
  auto on = ModelConfig::Parse(base + "true, \"max_window_layers\": 21}", "config.json");
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(on->sliding_window, 32768);
  EXPECT_EQ(on->sliding_window_from_layer, 21);  // layers 0..20 attend over the full context
}

TEST(ModelConfigTest, MistralSlidingWindowAndDefaults) {
  auto c = ModelConfig::Parse(R"({"model_type": "mistral", "vocab_size": 32000,
    "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
    "num_attention_heads": 32, "rms_norm_eps": 1e-05, "sliding_window": 4096})",
                              "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sliding_window, 4096);
  EXPECT_EQ(c->num_key_value_heads, 32);  // defaults to num_attention_heads
  EXPECT_DOUBLE_EQ(c->rope_theta, 10000.0);
}

TEST(ModelConfigTest, ErrorsNameTheFileAndField) {
  struct Case {
    std::string json, expected;
  };
  const std::vector<Case> cases = {
      {R"({"model_type": "llama"})", "missing required field 'vocab_size'"},
      {R"({"vocab_size": 3})", "missing required field 'model_type'"},
      {R"({"model_type": "gpt2"})", "model_type 'gpt2' is not supported"},
      {R"({"model_type": "llama", "vocab_size": "many"})", "field 'vocab_size' must be an integer"},
      {"[1, 2]", "not a JSON object"},
      {R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3,
          "rms_norm_eps": 1e-5})",
       "multiple of num_key_value_heads"},
      {R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
          "num_hidden_layers": 2, "num_attention_heads": 4, "rms_norm_eps": 1e-5,
          "rope_scaling": {"rope_type": "yarn", "factor": 4}})",
       "'yarn' is not supported"},
  };
  for (const Case& c : cases) {
    auto parsed = ModelConfig::Parse(c.json, "/m/config.json");
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("/m/config.json: "));
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.expected));
  }
}

TEST(ModelConfigTest, ToJsonRoundTrips) {
  auto c = ModelConfig::Parse(kLlama3, "config.json");
  ASSERT_TRUE(c.ok());
  auto again = ModelConfig::Parse(c->ToJson(), "again.json");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->hidden_size, c->hidden_size);
  EXPECT_EQ(again->num_key_value_heads, c->num_key_value_heads);
  EXPECT_DOUBLE_EQ(again->rope_scaling->high_freq_factor, 4.0);
  EXPECT_EQ(again->bos_token_id, 128000);
}

TEST(ModelConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(ModelConfig::FromFile("/nonexistent/config.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace depthlab::engine
