#include "worker/engine/weights.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "worker/engine/safetensors.h"

namespace depthlab::engine {
namespace {

using nlohmann::json;

// The opened files of a checkpoint and which file holds each tensor.
struct Checkpoint {
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile*> by_tensor;
  std::string description;  // for errors: the file, or the index
};

absl::StatusOr<std::vector<std::string>> ShardNames(const std::string& index_path) {
  std::ifstream in(index_path);
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!in || j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(index_path, ": not a JSON object"));
  }
  auto map = j.find("weight_map");
  if (map == j.end() || !map->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(index_path, ": missing object 'weight_map'"));
  }
  std::vector<std::string> names;
  for (const auto& [tensor, file] : map->items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(index_path, ": weight_map entry for '", tensor,
                                                     "' must be a file name in the directory"));
    }
    if (std::find(names.begin(), names.end(), file.get<std::string>()) == names.end()) {
      names.push_back(file.get<std::string>());
    }
  }
  return names;
}

absl::StatusOr<Checkpoint> OpenCheckpoint(const std::string& dir) {
  Checkpoint ckpt;
  std::vector<std::string> names;
  const std::string single = dir + "/model.safetensors";
  const std::string index = dir + "/model.safetensors.index.json";
  if (std::filesystem::exists(single)) {
    names.push_back("model.safetensors");
    ckpt.description = single;
  } else if (std::filesystem::exists(index)) {
    DEPTHLAB_ASSIGN_OR_RETURN(names, ShardNames(index));
    ckpt.description = index;
  } else {
    return absl::NotFoundError(absl::StrCat(dir, ": no model.safetensors or ",
                                            "model.safetensors.index.json (expected a Hugging Face "
                                            "model directory with safetensors weights)"));
  }
  for (const std::string& name : names) {
    DEPTHLAB_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir + "/" + name));
    for (const auto& [tensor, entry] : file->tensors()) ckpt.by_tensor[tensor] = file.get();
    ckpt.files.push_back(std::move(file));
  }
  return ckpt;
}

at::ScalarType TorchType(DType d) {
  switch (d) {
    case DType::kF16:
      return at::kHalf;
    case DType::kBF16:
      return at::kBFloat16;
    case DType::kF64:
      return at::kDouble;
    default:
      return at::kFloat;
  }
}

class TensorLoader {
 public:
  TensorLoader(const Checkpoint& ckpt, at::ScalarType dtype, at::Device device)
      : ckpt_(ckpt), dtype_(dtype), device_(device) {}

  // Loads `name` and checks its shape; copies out of the mapping into the run dtype/device.
  absl::StatusOr<at::Tensor> Load(const std::string& name, std::vector<int64_t> shape) const {
    auto it = ckpt_.by_tensor.find(name);
    if (it == ckpt_.by_tensor.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ckpt_.description, ": missing tensor '", name, "'"));
    }
    const TensorEntry& e = *it->second->Find(name);
    if (e.shape != shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          it->second->path(), ": tensor '", name, "' has shape [", absl::StrJoin(e.shape, ", "),
          "], expected [", absl::StrJoin(shape, ", "), "] from config.json"));
    }
    if (e.dtype != DType::kF32 && e.dtype != DType::kF16 && e.dtype != DType::kBF16) {
      return absl::InvalidArgumentError(
          absl::StrCat(it->second->path(), ": tensor '", name, "' has dtype ",
                       std::string(DTypeName(e.dtype)), "; supported are F32, F16 and BF16"));
    }
    // Copy the bytes (the mapping need not be aligned), then convert on the target device.
    at::Tensor raw = at::empty(shape, at::TensorOptions().dtype(TorchType(e.dtype)));
    std::memcpy(raw.data_ptr(), e.data, e.nbytes);
    return raw.to(device_, dtype_).contiguous();
  }

  absl::StatusOr<at::Tensor> LoadOptional(const std::string& name, bool wanted,
                                          std::vector<int64_t> shape) const {
    if (!wanted) return at::Tensor();
    return Load(name, std::move(shape));
  }

 private:
  const Checkpoint& ckpt_;
  at::ScalarType dtype_;
  at::Device device_;
};

absl::StatusOr<LayerWeights> LoadLayer(const TensorLoader& t, const ModelConfig& c, int i) {
  const std::string p = absl::StrCat("model.layers.", i, ".");
  const int64_t h = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), f = c.intermediate_size;
  LayerWeights w;
  DEPTHLAB_ASSIGN_OR_RETURN(w.input_layernorm, t.Load(p + "input_layernorm.weight", {h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.q_proj, t.Load(p + "self_attn.q_proj.weight", {q, h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.k_proj, t.Load(p + "self_attn.k_proj.weight", {kv, h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.v_proj, t.Load(p + "self_attn.v_proj.weight", {kv, h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.q_bias, t.LoadOptional(p + "self_attn.q_proj.bias", c.qkv_bias, {q}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.k_bias,
                            t.LoadOptional(p + "self_attn.k_proj.bias", c.qkv_bias, {kv}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.v_bias,
                            t.LoadOptional(p + "self_attn.v_proj.bias", c.qkv_bias, {kv}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.o_proj, t.Load(p + "self_attn.o_proj.weight", {h, q}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.o_bias, t.LoadOptional(p + "self_attn.o_proj.bias", c.o_bias, {h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.post_attention_layernorm,
                            t.Load(p + "post_attention_layernorm.weight", {h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.gate_proj, t.Load(p + "mlp.gate_proj.weight", {f, h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.up_proj, t.Load(p + "mlp.up_proj.weight", {f, h}));
  DEPTHLAB_ASSIGN_OR_RETURN(w.down_proj, t.Load(p + "mlp.down_proj.weight", {h, f}));
  return w;
}

}  // namespace

absl::StatusOr<ModelWeights> LoadWeights(const std::string& model_dir, const ModelConfig& config,
                                         at::ScalarType dtype, at::Device device) {
  DEPTHLAB_ASSIGN_OR_RETURN(Checkpoint ckpt, OpenCheckpoint(model_dir));
  const TensorLoader t(ckpt, dtype, device);
  const int64_t v = config.vocab_size, h = config.hidden_size;
  ModelWeights w;
  DEPTHLAB_ASSIGN_OR_RETURN(w.embed_tokens, t.Load("model.embed_tokens.weight", {v, h}));
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    DEPTHLAB_ASSIGN_OR_RETURN(LayerWeights layer, LoadLayer(t, config, i));
    w.layers.push_back(std::move(layer));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(w.norm, t.Load("model.norm.weight", {h}));
  if (config.tie_word_embeddings) {
    w.lm_head = w.embed_tokens;
  } else {
    DEPTHLAB_ASSIGN_OR_RETURN(w.lm_head, t.Load("lm_head.weight", {v, h}));
  }
  return w;
}

}  // namespace depthlab::engine
