#include "worker/engine/testing/reference_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "worker/engine/safetensors.h"

namespace depthlab::engine::testing {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// Failure of a documented precondition: this is test code, so stop loudly rather than guess.
[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "ReferenceDecoder: %s\n", message.c_str());
  std::abort();
}

// The tensors of a checkpoint across its files, kept mapped while this object lives.
class TensorSource {
 public:
  // Opens model.safetensors, or every shard named by model.safetensors.index.json.
  absl::Status Open(const std::string& dir);

  bool Has(const std::string& name) const { return entries_.count(name) > 0; }

  // The tensor converted to double. NotFound when absent; InvalidArgument on a shape mismatch.
  absl::StatusOr<std::vector<double>> Read(const std::string& name,
                                           const std::vector<int64_t>& shape) const;

 private:
  struct Located {
    const TensorEntry* entry;
    const SafetensorsFile* file;
  };
  absl::StatusOr<const SafetensorsFile*> OpenFile(const std::string& path);

  std::map<std::string, std::unique_ptr<SafetensorsFile>> files_;  // by path
  std::map<std::string, Located> entries_;                         // by tensor name
  std::string dir_;
};

absl::StatusOr<const SafetensorsFile*> TensorSource::OpenFile(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second.get();
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file, SafetensorsFile::Open(path));
  const SafetensorsFile* raw = file.get();
  files_.emplace(path, std::move(file));
  return raw;
}

absl::Status TensorSource::Open(const std::string& dir) {
  dir_ = dir;
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (!std::filesystem::exists(index_path)) {
    const std::string path = dir + "/model.safetensors";
    if (!std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat(
          dir,
          ": no model.safetensors or model.safetensors.index.json (expected a Hugging Face "
          "model directory)"));
    }
    DEPTHLAB_ASSIGN_OR_RETURN(const SafetensorsFile* file, OpenFile(path));
    for (const auto& [name, entry] : file->tensors()) entries_[name] = {&entry, file};
    return absl::OkStatus();
  }
  std::ifstream in(index_path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json index = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": expected a JSON object with a \"weight_map\" object"));
  }
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(index_path, ": weight_map[\"", name, "\"] is not a file name"));
    }
    const std::string path = dir + "/" + shard.get<std::string>();
    DEPTHLAB_ASSIGN_OR_RETURN(const SafetensorsFile* file, OpenFile(path));
    const TensorEntry* entry = file->Find(name);
    if (entry == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(path, ": tensor ", name, " listed in ", index_path, " is not in the file"));
    }
    entries_[name] = {entry, file};
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> TensorSource::Read(const std::string& name,
                                                       const std::vector<int64_t>& shape) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat(dir_, ": checkpoint has no tensor ", name));
  }
  const TensorEntry& entry = *it->second.entry;
  if (entry.shape != shape) {
    return absl::InvalidArgumentError(absl::StrCat(it->second.file->path(), ": tensor ", name,
                                                   " has shape ", ShapeString(entry.shape),
                                                   ", expected ", ShapeString(shape)));
  }
  std::vector<double> values(static_cast<size_t>(entry.numel()));
  DEPTHLAB_RETURN_IF_ERROR(ConvertToDouble(entry, values.data()));
  return values;
}

double Silu(double z) { return z / (1.0 + std::exp(-z)); }

double Dot(const double* a, const double* b, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

std::vector<double> ReferenceDecoder::InverseFrequencies(const ModelConfig& config) {
  const int head_dim = config.head_dim;
  std::vector<double> inv_freq(head_dim / 2);
  for (int d = 0; d < head_dim / 2; ++d) {
    inv_freq[d] = std::pow(config.rope_theta, -2.0 * d / head_dim);
  }
  if (!config.rope_scaling.has_value()) return inv_freq;
  const RopeScaling& s = *config.rope_scaling;
  if (s.rope_type == "linear") {
    for (double& f : inv_freq) f /= s.factor;
    return inv_freq;
  }
  // HF _compute_llama3_parameters: long wavelengths are slowed by `factor`, short ones kept, and
  // the band between is interpolated linearly in original_max_position_embeddings / wavelength.
  const double original = s.original_max_position_embeddings;
  const double low_freq_wavelen = original / s.low_freq_factor;
  const double high_freq_wavelen = original / s.high_freq_factor;
  for (double& f : inv_freq) {
    const double wavelen = 2 * kPi / f;
    if (wavelen > low_freq_wavelen) {
      f = f / s.factor;
    } else if (wavelen >= high_freq_wavelen) {
      const double smooth =
          (original / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      f = (1 - smooth) * f / s.factor + smooth * f;
    }
  }
  return inv_freq;
}

absl::StatusOr<std::unique_ptr<ReferenceDecoder>> ReferenceDecoder::Load(
    const std::string& model_dir) {
  DEPTHLAB_ASSIGN_OR_RETURN(ModelConfig config, ModelConfig::FromFile(model_dir + "/config.json"));
  if (config.head_dim <= 0 || config.head_dim % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(model_dir, "/config.json: head_dim ", config.head_dim, " must be even"));
  }
  if (config.num_key_value_heads <= 0 ||
      config.num_attention_heads % config.num_key_value_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(model_dir, "/config.json: num_attention_heads ", config.num_attention_heads,
                     " is not a multiple of num_key_value_heads ", config.num_key_value_heads));
  }
  if (config.rope_scaling.has_value() && config.rope_scaling->rope_type != "llama3" &&
      config.rope_scaling->rope_type != "linear") {
    return absl::InvalidArgumentError(absl::StrCat(model_dir, "/config.json: rope_scaling type \"",
                                                   config.rope_scaling->rope_type,
                                                   "\" is not supported (llama3, linear)"));
  }
  std::unique_ptr<ReferenceDecoder> decoder(new ReferenceDecoder());
  decoder->config_ = std::move(config);
  decoder->inv_freq_ = InverseFrequencies(decoder->config_);
  DEPTHLAB_RETURN_IF_ERROR(decoder->ReadWeights(model_dir));
  return decoder;
}

absl::Status ReferenceDecoder::ReadWeights(const std::string& model_dir) {
  TensorSource source;
  DEPTHLAB_RETURN_IF_ERROR(source.Open(model_dir));
  const ModelConfig& c = config_;
  auto read_matrix = [&source](const std::string& name, int rows,
                               int cols) -> absl::StatusOr<Matrix> {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<double> data, source.Read(name, {rows, cols}));
    return Matrix{rows, cols, std::move(data)};
  };
  auto read_vector = [&source](const std::string& name, int size) {
    return source.Read(name, {size});
  };
  DEPTHLAB_ASSIGN_OR_RETURN(embed_,
                            read_matrix("model.embed_tokens.weight", c.vocab_size, c.hidden_size));
  DEPTHLAB_ASSIGN_OR_RETURN(final_norm_, read_vector("model.norm.weight", c.hidden_size));
  if (c.tie_word_embeddings) {
    lm_head_ = embed_;
  } else {
    DEPTHLAB_ASSIGN_OR_RETURN(lm_head_, read_matrix("lm_head.weight", c.vocab_size, c.hidden_size));
  }
  layers_.resize(c.num_hidden_layers);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = absl::StrCat("model.layers.", i, ".");
    const std::string attn = p + "self_attn.";
    Layer& l = layers_[i];
    DEPTHLAB_ASSIGN_OR_RETURN(l.input_norm,
                              read_vector(p + "input_layernorm.weight", c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(l.post_norm,
                              read_vector(p + "post_attention_layernorm.weight", c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(l.q, read_matrix(attn + "q_proj.weight", c.q_dim(), c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(l.k, read_matrix(attn + "k_proj.weight", c.kv_dim(), c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(l.v, read_matrix(attn + "v_proj.weight", c.kv_dim(), c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(l.o, read_matrix(attn + "o_proj.weight", c.hidden_size, c.q_dim()));
    if (c.qkv_bias) {
      DEPTHLAB_ASSIGN_OR_RETURN(l.q_bias, read_vector(attn + "q_proj.bias", c.q_dim()));
      DEPTHLAB_ASSIGN_OR_RETURN(l.k_bias, read_vector(attn + "k_proj.bias", c.kv_dim()));
      DEPTHLAB_ASSIGN_OR_RETURN(l.v_bias, read_vector(attn + "v_proj.bias", c.kv_dim()));
    }
    if (c.o_bias) {
      DEPTHLAB_ASSIGN_OR_RETURN(l.o_bias, read_vector(attn + "o_proj.bias", c.hidden_size));
    }
    const std::string mlp = p + "mlp.";
    DEPTHLAB_ASSIGN_OR_RETURN(
        l.gate, read_matrix(mlp + "gate_proj.weight", c.intermediate_size, c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(
        l.up, read_matrix(mlp + "up_proj.weight", c.intermediate_size, c.hidden_size));
    DEPTHLAB_ASSIGN_OR_RETURN(
        l.down, read_matrix(mlp + "down_proj.weight", c.hidden_size, c.intermediate_size));
  }
  return absl::OkStatus();
}

std::vector<double> ReferenceDecoder::MatVec(const Matrix& w, const std::vector<double>& x,
                                             const std::vector<double>& bias) {
  if (static_cast<int>(x.size()) != w.cols) Fail("matrix-vector size mismatch");
  std::vector<double> y(w.rows);
  for (int r = 0; r < w.rows; ++r) {
    y[r] = Dot(&w.data[static_cast<size_t>(r) * w.cols], x.data(), w.cols);
    if (!bias.empty()) y[r] += bias[r];
  }
  return y;
}

std::vector<double> ReferenceDecoder::RmsNorm(const std::vector<double>& x,
                                              const std::vector<double>& w) const {
  const int n = static_cast<int>(x.size());
  const double mean_square = Dot(x.data(), x.data(), n) / n;
  const double scale = 1.0 / std::sqrt(mean_square + config_.rms_norm_eps);
  std::vector<double> y(n);
  for (int i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  return y;
}

ReferenceDecoder::Rows ReferenceDecoder::Embed(const std::vector<int32_t>& tokens) const {
  const int hidden = config_.hidden_size;
  Rows h;
  for (int32_t token : tokens) {
    if (token < 0 || token >= config_.vocab_size) {
      Fail(absl::StrCat("token ", token, " outside vocabulary of ", config_.vocab_size));
    }
    const double* row = &embed_.data[static_cast<size_t>(token) * hidden];
    h.emplace_back(row, row + hidden);
  }
  return h;
}

void ReferenceDecoder::Rotate(std::vector<double>& vec, int offset, int position) const {
  // Rotate-half layout: element d pairs with element d + head_dim / 2.
  const int half = config_.head_dim / 2;
  for (int d = 0; d < half; ++d) {
    const double angle = position * inv_freq_[d];
    const double c = std::cos(angle);
    const double s = std::sin(angle);
    const double x1 = vec[offset + d];
    const double x2 = vec[offset + d + half];
    vec[offset + d] = x1 * c - x2 * s;
    vec[offset + d + half] = x2 * c + x1 * s;
  }
}

ReferenceDecoder::Rows ReferenceDecoder::AttentionUpdate(const Layer& layer, const Rows& h) const {
  const int seq = static_cast<int>(h.size());
  const int head_dim = config_.head_dim;
  const int group = config_.num_attention_heads / config_.num_key_value_heads;
  Rows q(seq), k(seq), v(seq);  // [seq][q_dim], [seq][kv_dim], [seq][kv_dim]
  for (int t = 0; t < seq; ++t) {
    const std::vector<double> x = RmsNorm(h[t], layer.input_norm);
    q[t] = MatVec(layer.q, x, layer.q_bias);
    k[t] = MatVec(layer.k, x, layer.k_bias);
    v[t] = MatVec(layer.v, x, layer.v_bias);
    for (int j = 0; j < config_.num_attention_heads; ++j) Rotate(q[t], j * head_dim, t);
    for (int j = 0; j < config_.num_key_value_heads; ++j) Rotate(k[t], j * head_dim, t);
  }
  const double inv_sqrt = 1.0 / std::sqrt(static_cast<double>(head_dim));
  Rows update(seq);
  for (int t = 0; t < seq; ++t) {
    // Causal, and with a sliding window W only the last W positions (t - s < W).
    int first = 0;
    if (config_.sliding_window.has_value()) first = std::max(0, t - *config_.sliding_window + 1);
    std::vector<double> heads(config_.q_dim(), 0.0);  // [q_dim]
    for (int j = 0; j < config_.num_attention_heads; ++j) {
      const int kv_offset = (j / group) * head_dim;
      std::vector<double> scores;
      for (int s = first; s <= t; ++s) {
        scores.push_back(Dot(&q[t][j * head_dim], &k[s][kv_offset], head_dim) * inv_sqrt);
      }
      const double max_score = *std::max_element(scores.begin(), scores.end());
      double total = 0;
      for (double& score : scores) total += (score = std::exp(score - max_score));
      for (int s = first; s <= t; ++s) {
        const double p = scores[s - first] / total;
        for (int d = 0; d < head_dim; ++d) heads[j * head_dim + d] += p * v[s][kv_offset + d];
      }
    }
    update[t] = MatVec(layer.o, heads, layer.o_bias);
  }
  return update;
}

ReferenceDecoder::Rows ReferenceDecoder::MlpUpdate(const Layer& layer, const Rows& h) const {
  Rows update;
  for (const std::vector<double>& row : h) {
    const std::vector<double> x = RmsNorm(row, layer.post_norm);
    const std::vector<double> gate = MatVec(layer.gate, x, {});
    const std::vector<double> up = MatVec(layer.up, x, {});
    std::vector<double> inner(gate.size());  // [intermediate]
    for (size_t i = 0; i < inner.size(); ++i) inner[i] = Silu(gate[i]) * up[i];
    update.push_back(MatVec(layer.down, inner, {}));
  }
  return update;
}

void ReferenceDecoder::ApplyUnit(int flat_unit, const UnitMask& mask,
                                 const Replacements& replacements, Rows& h) const {
  if (mask.kept_flat(flat_unit)) {
    const Layer& layer = layers_[flat_unit / 2];
    const Rows update = flat_unit % 2 == 0 ? AttentionUpdate(layer, h) : MlpUpdate(layer, h);
    for (size_t t = 0; t < h.size(); ++t) {
      for (int i = 0; i < config_.hidden_size; ++i) h[t][i] += update[t][i];
    }
    return;
  }
  auto it = replacements.find(flat_unit);
  if (it == replacements.end()) return;
  const absl::Status valid =
      it->second.Validate(config_.hidden_size, Unit::FromFlat(flat_unit).ToString());
  if (!valid.ok()) Fail(std::string(valid.message()));
  for (std::vector<double>& row : h) ApplyReplacement(it->second, row);
}

void ReferenceDecoder::ApplyReplacement(const Replacement& r, std::vector<double>& h) const {
  const int hidden = config_.hidden_size;
  std::vector<double> delta(hidden, 0.0);  // computed from h before any of it changes
  if (r.kind == Replacement::Kind::kLowRank) {
    std::vector<double> inner(r.rank, 0.0);  // A·h: [rank]
    for (int j = 0; j < r.rank; ++j) {
      for (int i = 0; i < hidden; ++i) inner[j] += r.a[static_cast<size_t>(j) * hidden + i] * h[i];
    }
    for (int i = 0; i < hidden; ++i) {
      for (int j = 0; j < r.rank; ++j)
        delta[i] += r.b[static_cast<size_t>(i) * r.rank + j] * inner[j];
    }
  }
  // The additive update, or the adapter's bias.
  if (r.kind != Replacement::Kind::kNone && !r.vector.empty()) {
    for (int i = 0; i < hidden; ++i) delta[i] += r.vector[i];
  }
  for (int i = 0; i < hidden; ++i) h[i] += delta[i];
}

std::vector<std::vector<double>> ReferenceDecoder::Stream(const std::vector<int32_t>& tokens,
                                                          const UnitMask& mask, int boundary,
                                                          const Replacements& replacements) const {
  const int num_units = 2 * config_.num_hidden_layers;
  if (mask.num_units() != num_units) {
    Fail(absl::StrCat("mask has ", mask.num_units(), " units, model has ", num_units));
  }
  if (boundary < 0 || boundary > num_units) {
    Fail(absl::StrCat("boundary ", boundary, " outside [0, ", num_units, "]"));
  }
  Rows h = Embed(tokens);
  for (int unit = 0; unit < boundary; ++unit) ApplyUnit(unit, mask, replacements, h);
  return h;
}

std::vector<std::vector<double>> ReferenceDecoder::Logits(const std::vector<int32_t>& tokens,
                                                          const UnitMask& mask,
                                                          const Replacements& replacements) const {
  const Rows h = Stream(tokens, mask, 2 * config_.num_hidden_layers, replacements);
  Rows logits;
  for (const std::vector<double>& row : h) {
    logits.push_back(MatVec(lm_head_, RmsNorm(row, final_norm_), {}));
  }
  return logits;
}

}  // namespace depthlab::engine::testing
