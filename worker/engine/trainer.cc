#include "worker/engine/trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
// torch/types.h must precede clip_grad.h, which uses torch::Tensor without including it.
#include <torch/types.h>

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "worker/engine/corpus.h"
#include "worker/engine/decoder.h"
#include "worker/engine/device.h"
#include "worker/engine/engine.h"
#include "worker/engine/safetensors.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::engine {
namespace {

namespace fs = std::filesystem;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return out ? absl::OkStatus() : absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
}

// Trains a SentencePiece BPE model with LLaMA-2's settings (identity normaliser, byte fallback,
// split digits) using the spm_train tool: libsentencepiece cannot share a process with libtorch.
absl::Status TrainSentencePiece(const TrainerOptions& o, const std::vector<std::string>& docs) {
  const std::string text_path = o.out_dir + "/train_state/spm_corpus.txt";
  {
    std::ofstream text(text_path);
    for (const std::string& d : docs) text << d << "\n";
  }
  const std::string command = absl::StrCat(
      "spm_train --input=", text_path, " --model_prefix=", o.out_dir, "/tokenizer",
      " --vocab_size=", o.vocab_size,
      " --model_type=bpe --character_coverage=1.0 --byte_fallback=true --split_digits=true"
      " --normalization_rule_name=identity --remove_extra_whitespaces=false"
      " --allow_whitespace_only_pieces=true --add_dummy_prefix=true"
      " --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --max_sentence_length=16384"
      " --input_sentence_size=2000000 --shuffle_input_sentence=true --num_threads=2"
      " --minloglevel=2 > ",
      o.out_dir, "/train_state/spm_train.log 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("spm_train failed (is the Debian package sentencepiece installed?); see ",
                     o.out_dir, "/train_state/spm_train.log"));
  }
  fs::remove(o.out_dir + "/tokenizer.vocab");
  return WriteText(
      o.out_dir + "/tokenizer_config.json",
      R"({"add_bos_token": true, "add_eos_token": false, "bos_token": "<s>",)"
      R"( "eos_token": "</s>", "unk_token": "<unk>", "tokenizer_class": "LlamaTokenizer"})"
      "\n");
}

absl::Status PrepareTokenizer(const TrainerOptions& o, const std::vector<std::string>& docs) {
  if (fs::exists(o.out_dir + "/tokenizer.model") || fs::exists(o.out_dir + "/tokenizer.json")) {
    return absl::OkStatus();  // resuming, or a tokenizer already in place
  }
  if (o.tokenizer_dir.empty()) return TrainSentencePiece(o, docs);
  for (const char* name : {"tokenizer.model", "tokenizer.json", "tokenizer_config.json"}) {
    const fs::path from = fs::path(o.tokenizer_dir) / name;
    std::error_code ec;
    if (fs::exists(from)) fs::copy_file(from, fs::path(o.out_dir) / name, ec);
    if (ec) return absl::InternalError(absl::StrCat("copying ", from.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

// Documents tokenised with BOS and concatenated into one stream.
absl::StatusOr<std::vector<int32_t>> TokenStream(const Tokenizer& tok,
                                                 const std::vector<std::string>& docs) {
  std::vector<int32_t> stream;
  for (const std::string& d : docs) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tok.Encode(d, /*add_special=*/true));
    stream.insert(stream.end(), ids.begin(), ids.end());
  }
  return stream;
}

// Mimetic initialisation (Trockman & Kolter, 2023) of one layer's attention: per query head h of
// kv group g, Wq_h^T Wk_g = s^2 (a1 Z + b1 I) P_g and Wo_h Wv_g = t^2 (a2 Z' - b2 I) Q_g, where
// P_g, Q_g project onto random head_dim-dimensional subspaces and Z, Z' ~ N(0, 1/hidden). A token
// then attends to copies of itself from the start, instead of uniformly.
void MimeticAttention(const ModelConfig& c, at::Tensor& q, at::Tensor& k, at::Tensor& v,
                      at::Tensor& o) {
  constexpr double kA1 = 0.7, kB1 = 0.7, kA2 = 0.4, kB2 = 0.4;
  const int64_t d = c.hidden_size, hd = c.head_dim;
  const int64_t rep = c.num_attention_heads / c.num_key_value_heads;
  // s^2 b1 sqrt(hd) = 3: a token's score against itself exceeds an unrelated one's by ~3.
  const double s = std::sqrt(3.0 / (kB1 * std::sqrt(double(hd)))), t = std::sqrt(0.1);
  const at::Tensor eye = at::eye(d);
  at::NoGradGuard no_grad;
  for (int64_t g = 0; g < c.num_key_value_heads; ++g) {
    const at::Tensor pk = std::get<0>(at::linalg_qr(at::randn({d, hd})));  // [d, hd] orthonormal
    const at::Tensor pv = std::get<0>(at::linalg_qr(at::randn({d, hd})));
    k.narrow(0, g * hd, hd).copy_(s * pk.t());
    v.narrow(0, g * hd, hd).copy_(t * pv.t());
    for (int64_t r = 0; r < rep; ++r) {
      const int64_t h = g * rep + r;
      const at::Tensor m1 = kA1 * at::randn({d, d}) / std::sqrt(double(d)) + kB1 * eye;
      const at::Tensor m2 = kA2 * at::randn({d, d}) / std::sqrt(double(d)) - kB2 * eye;
      q.narrow(0, h * hd, hd).copy_(s * at::matmul(pk.t(), m1.t()));
      o.narrow(1, h * hd, hd).copy_(t * at::matmul(m2, pv));
    }
  }
}

// Parameters in HF names, initialised GPT-2 style: N(0, 0.02), residual outputs scaled by
// 1/sqrt(2L), norms at 1; with `mimetic`, the attention weights then follow MimeticAttention.
NamedTensors InitParameters(const ModelConfig& c, uint64_t seed, bool mimetic) {
  at::manual_seed(seed);
  const double std = 0.02, out_std = 0.02 / std::sqrt(2.0 * c.num_hidden_layers);
  NamedTensors p;
  auto normal = [&](const std::string& name, std::vector<int64_t> shape, double s) {
    p.emplace_back(name, (at::randn(shape) * s).requires_grad_(true));
  };
  auto ones = [&](const std::string& name, int64_t n) {
    p.emplace_back(name, at::ones({n}).requires_grad_(true));
  };
  const int64_t h = c.hidden_size, f = c.intermediate_size;
  normal("model.embed_tokens.weight", {c.vocab_size, h}, std);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string l = absl::StrCat("model.layers.", i, ".");
    ones(l + "input_layernorm.weight", h);
    normal(l + "self_attn.q_proj.weight", {c.q_dim(), h}, std);
    normal(l + "self_attn.k_proj.weight", {c.kv_dim(), h}, std);
    normal(l + "self_attn.v_proj.weight", {c.kv_dim(), h}, std);
    normal(l + "self_attn.o_proj.weight", {h, c.q_dim()}, out_std);
    ones(l + "post_attention_layernorm.weight", h);
    normal(l + "mlp.gate_proj.weight", {f, h}, std);
    normal(l + "mlp.up_proj.weight", {f, h}, std);
    normal(l + "mlp.down_proj.weight", {h, f}, out_std);
  }
  ones("model.norm.weight", h);
  if (!c.tie_word_embeddings) normal("lm_head.weight", {c.vocab_size, h}, std);
  if (mimetic) {
    std::map<std::string, at::Tensor> by_name(p.begin(), p.end());
    for (int i = 0; i < c.num_hidden_layers; ++i) {
      const std::string l = absl::StrCat("model.layers.", i, ".self_attn.");
      MimeticAttention(c, by_name[l + "q_proj.weight"], by_name[l + "k_proj.weight"],
                       by_name[l + "v_proj.weight"], by_name[l + "o_proj.weight"]);
    }
  }
  return p;
}

ModelWeights AsWeights(const ModelConfig& c, const NamedTensors& p) {
  std::map<std::string, at::Tensor> by_name(p.begin(), p.end());
  ModelWeights w;
  w.embed_tokens = by_name.at("model.embed_tokens.weight");
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string l = absl::StrCat("model.layers.", i, ".");
    LayerWeights lw;
    lw.input_layernorm = by_name.at(l + "input_layernorm.weight");
    lw.q_proj = by_name.at(l + "self_attn.q_proj.weight");
    lw.k_proj = by_name.at(l + "self_attn.k_proj.weight");
    lw.v_proj = by_name.at(l + "self_attn.v_proj.weight");
    lw.o_proj = by_name.at(l + "self_attn.o_proj.weight");
    lw.post_attention_layernorm = by_name.at(l + "post_attention_layernorm.weight");
    lw.gate_proj = by_name.at(l + "mlp.gate_proj.weight");
    lw.up_proj = by_name.at(l + "mlp.up_proj.weight");
    lw.down_proj = by_name.at(l + "mlp.down_proj.weight");
    w.layers.push_back(lw);
  }
  w.norm = by_name.at("model.norm.weight");
  w.lm_head = c.tie_word_embeddings ? w.embed_tokens : by_name.at("lm_head.weight");
  return w;
}

// [batch, seq_len + 1] windows of the stream, drawn from an RNG seeded by (seed, step) so that a
// resumed run sees the same batches.
at::Tensor SampleBatch(const std::vector<int32_t>& stream, int batch, int seq_len, uint64_t seed,
                       int step) {
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(step));
  std::uniform_int_distribution<size_t> start(0, stream.size() - seq_len - 1);
  at::Tensor out = at::empty({batch, seq_len + 1}, at::kLong);
  auto acc = out.accessor<int64_t, 2>();
  for (int b = 0; b < batch; ++b) {
    const size_t s = start(rng);
    for (int t = 0; t <= seq_len; ++t) acc[b][t] = stream[s + t];
  }
  return out;
}

// AnswerWeights of each window [batch, seq + 1] of a CPU batch: [batch, seq] float, on CPU.
at::Tensor WindowWeights(const at::Tensor& windows, const std::vector<int32_t>& pattern,
                         double weight) {
  const int64_t batch = windows.size(0), seq = windows.size(1) - 1;
  const at::Tensor cpu = windows.contiguous();
  std::vector<float> all;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t* row = cpu.data_ptr<int64_t>() + b * (seq + 1);
    const std::vector<float> w =
        AnswerWeights(std::vector<int32_t>(row, row + seq), pattern, weight);
    all.insert(all.end(), w.begin(), w.end());
  }
  return at::tensor(all, at::kFloat).reshape({batch, seq});
}

// Mean next-token NLL of the windows, weighted per target when `weights` is defined. With a
// `document_bos` id, each position attends only within its own document (RunDocuments).
at::Tensor BatchLoss(const Decoder& d, const at::Tensor& window, const at::Tensor& weights,
                     std::optional<int64_t> document_bos) {
  const int64_t seq = window.size(1) - 1;
  const at::Tensor input = window.narrow(1, 0, seq), target = window.narrow(1, 1, seq);
  const UnitMask all = UnitMask::AllKept(d.config().num_hidden_layers);
  const at::Tensor logits =
      d.Head(document_bos ? d.RunDocuments(input, *document_bos)
                          : d.RunUnits(d.Embed(input), 0, d.num_units(), all, {}));
  if (!weights.defined()) {  // the plain loss
    return at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}));
  }
  const at::Tensor nll =
      at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}),
                             /*weight=*/{}, at::Reduction::None);
  const at::Tensor w = weights.reshape({-1});
  return (nll * w).sum() / w.sum();
}

// A training stream must hold at least one window of seq_len inputs and their targets.
absl::Status CheckStreamLength(const std::string& path, const std::vector<int32_t>& stream,
                               int seq_len) {
  if (stream.size() > static_cast<size_t>(seq_len) + 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": only ", stream.size(), " tokens; need more than seq_len"));
}

double LearningRate(const TrainerOptions& o, int step) {
  if (step < o.warmup_steps) return o.learning_rate * (step + 1) / o.warmup_steps;
  // The cosine runs from `start` (the warm-up's end, or the warm phase's end) to the last step.
  int start = o.warmup_steps;
  if (o.warm_restart && o.warm_steps > 0) {
    if (step < o.warm_steps) return o.learning_rate;
    start = std::max(start, o.warm_steps);
  }
  const double progress = double(step - start) / std::max(1, o.steps - start);
  return o.min_learning_rate +
         0.5 * (o.learning_rate - o.min_learning_rate) * (1 + std::cos(M_PI * progress));
}

absl::Status ExportModel(const std::string& dir, const ModelConfig& c, const NamedTensors& p) {
  SafetensorsWriter w;
  for (const auto& [name, t] : p) {
    const at::Tensor half = t.detach().to(at::kCPU, at::kHalf).contiguous();
    std::vector<int64_t> shape(half.sizes().begin(), half.sizes().end());
    w.Add(name, DType::kF16, shape, half.data_ptr());
  }
  w.SetMetadata("format", "pt");
  DEPTHLAB_RETURN_IF_ERROR(w.WriteFile(dir + "/model.safetensors"));
  return WriteText(dir + "/config.json", c.ToJson() + "\n");
}

class Run {
 public:
  // `params` live on CPU (initialised by the CPU generator, so every device starts alike); they
  // are trained on `device`.
  Run(const TrainerOptions& o, ModelConfig c, NamedTensors params, at::Device device)
      : o_(o),
        config_(std::move(c)),
        params_(std::move(params)),
        state_dir_(o.out_dir + "/train_state"),
        device_(device) {
    if (device_.is_cpu()) return;
    at::NoGradGuard no_grad;
    for (auto& [name, t] : params_) t = t.detach().to(device_).requires_grad_(true);
  }

  absl::Status Setup() {
    DEPTHLAB_ASSIGN_OR_RETURN(decoder_, Decoder::Create(config_, AsWeights(config_, params_)));
    std::vector<at::Tensor> decay, no_decay;
    for (const auto& [name, t] : params_) (t.dim() >= 2 ? decay : no_decay).push_back(t);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(o_.learning_rate)
                                       .weight_decay(o_.weight_decay)
                                       .betas({0.9, 0.95})));
    groups.emplace_back(
        no_decay,
        std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(o_.learning_rate).weight_decay(0.0).betas({0.9, 0.95})));
    optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups));
    return Resume();
  }

  int step() const { return step_; }
  bool resumed() const { return resumed_; }
  // The tokens of "Answer:" as the corpus has them; empty = plain loss.
  void set_answer_pattern(std::vector<int32_t> pattern) { answer_pattern_ = std::move(pattern); }
  // Attention stays within documents, which start at this token (TrainerOptions.document_mask).
  void set_document_bos(int64_t bos) { document_bos_ = bos; }

  double Step(const std::vector<int32_t>& stream) {
    const double lr = LearningRate(o_, step_);
    for (auto& group : optimizer_->param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    optimizer_->zero_grad();
    // Weights are read off the CPU batch before it moves to the device.
    const at::Tensor cpu_window = SampleBatch(stream, o_.batch_size, o_.seq_len, o_.seed, step_);
    const at::Tensor weights =
        answer_pattern_.empty()
            ? at::Tensor()
            : WindowWeights(cpu_window, answer_pattern_, o_.answer_weight).to(device_);
    at::Tensor loss = BatchLoss(*decoder_, cpu_window.to(device_), weights, document_bos_);
    loss.backward();
    std::vector<at::Tensor> all;
    for (const auto& [name, t] : params_) all.push_back(t);
    torch::nn::utils::clip_grad_norm_(all, o_.grad_clip);
    optimizer_->step();
    ++step_;
    last_lr_ = lr;
    return loss.item<double>();
  }

  double EvalLoss(const std::vector<at::Tensor>& windows) const {
    at::NoGradGuard no_grad;
    double total = 0;
    for (const at::Tensor& w : windows) {
      total += BatchLoss(*decoder_, w, {}, document_bos_).item<double>();
    }
    return windows.empty() ? -1 : total / windows.size();
  }

  double last_lr() const { return last_lr_; }

  absl::Status Save() const {
    std::vector<at::Tensor> tensors;
    for (const auto& [name, t] : params_) tensors.push_back(t.detach().to(at::kCPU));
    torch::save(tensors, state_dir_ + "/params.pt");
    torch::save(*optimizer_, state_dir_ + "/optimizer.pt");
    return WriteText(state_dir_ + "/step.txt", absl::StrCat(step_, "\n"));
  }

  absl::Status Export() const { return ExportModel(o_.out_dir, config_, params_); }

 private:
  absl::Status Resume() {
    std::ifstream step_file(state_dir_ + "/step.txt");
    if (!(step_file >> step_)) {
      step_ = 0;
      return absl::OkStatus();
    }
    std::vector<at::Tensor> tensors;
    torch::load(tensors, state_dir_ + "/params.pt");
    if (tensors.size() != params_.size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          state_dir_, ": the saved state has ", tensors.size(), " tensors, the model ",
          params_.size(), " (the architecture changed; delete train_state/ to start over)"));
    }
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors.size(); ++i) params_[i].second.copy_(tensors[i]);
    torch::load(*optimizer_, state_dir_ + "/optimizer.pt", device_);
    resumed_ = true;
    return absl::OkStatus();
  }

  const TrainerOptions& o_;
  ModelConfig config_;
  NamedTensors params_;
  std::string state_dir_;
  std::unique_ptr<Decoder> decoder_;
  at::Device device_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<int32_t> answer_pattern_;
  std::optional<int64_t> document_bos_;
  int step_ = 0;
  double last_lr_ = 0;
  bool resumed_ = false;
};

absl::StatusOr<ModelConfig> ConfigFor(const TrainerOptions& o, const Tokenizer& tok) {
  ModelConfig c = o.config;
  c.vocab_size = tok.vocab_size();
  if (tok.bos_id()) c.bos_token_id = *tok.bos_id();
  if (tok.eos_id()) c.eos_token_id = *tok.eos_id();
  c.max_position_embeddings = std::max(c.max_position_embeddings, 2048);
  // Validate through config.json, as a loader will read it.
  return ModelConfig::Parse(c.ToJson(), o.out_dir + "/config.json");
}

// The held-out windows, placed on `device` once for every evaluation.
std::vector<at::Tensor> EvalWindows(const TrainerOptions& o, const std::vector<int32_t>& stream,
                                    const at::Device& device) {
  std::vector<at::Tensor> windows;
  if (stream.size() <= static_cast<size_t>(o.seq_len) + 1) return windows;
  for (int i = 0; i < 4; ++i)
    windows.push_back(SampleBatch(stream, o.batch_size, o.seq_len, o.seed + 77, i).to(device));
  return windows;
}

absl::Status TrainLoop(const TrainerOptions& o, Run& run, const std::vector<int32_t>& stream,
                       const std::vector<int32_t>& warm_stream, const std::vector<at::Tensor>& eval,
                       const std::function<void(const TrainProgress&)>& progress) {
  std::ofstream log(o.out_dir + "/train_log.csv", std::ios::app);
  if (run.step() == 0) log << "step,loss,eval_loss,learning_rate,tokens_per_second,seconds\n";
  const auto start = std::chrono::steady_clock::now();
  const int first = run.step();
  while (run.step() < o.steps) {
    TrainProgress p;
    p.loss = run.Step(run.step() < o.warm_steps ? warm_stream : stream);
    p.step = run.step();
    p.steps = o.steps;
    p.resumed = run.resumed();
    p.first_step = first;
    p.learning_rate = run.last_lr();
    p.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    p.tokens_per_second = double(p.step - first) * o.batch_size * o.seq_len / p.elapsed_seconds;
    if (o.eval_every > 0 && (p.step % o.eval_every == 0 || p.step == o.steps))
      p.eval_loss = run.EvalLoss(eval);
    log << absl::StrFormat("%d,%.5f,%.5f,%.6g,%.1f,%.1f\n", p.step, p.loss, p.eval_loss,
                           p.learning_rate, p.tokens_per_second, p.elapsed_seconds)
        << std::flush;
    const bool stop = o.stop_at_step > 0 && p.step >= o.stop_at_step && p.step < o.steps;
    if (p.step % o.checkpoint_every == 0 || p.step == o.steps || stop) {
      DEPTHLAB_RETURN_IF_ERROR(run.Save());
    }
    progress(p);
    if (stop) return absl::OkStatus();
  }
  return run.Export();
}

// The tokens "Answer:" has in the corpus, where it follows a newline: the suffix of the encoding
// of "?\nAnswer:" after that of "?\n". NotFound if the stream never contains them.
absl::StatusOr<std::vector<int32_t>> AnswerPattern(const Tokenizer& tok,
                                                   const std::vector<int32_t>& stream) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> with, tok.Encode("?\nAnswer:", false));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> without, tok.Encode("?\n", false));
  if (with.size() <= without.size() || !std::equal(without.begin(), without.end(), with.begin())) {
    return absl::FailedPreconditionError(
        "train: answer_weight: the tokenizer does not split \"?\\nAnswer:\" after the newline");
  }
  const std::vector<int32_t> pattern(with.begin() + without.size(), with.end());
  if (std::search(stream.begin(), stream.end(), pattern.begin(), pattern.end()) == stream.end()) {
    return absl::NotFoundError("train: answer_weight: the corpus has no \"Answer:\" lines");
  }
  return pattern;
}

}  // namespace

std::vector<float> AnswerWeights(const std::vector<int32_t>& inputs,
                                 const std::vector<int32_t>& pattern, double weight) {
  std::vector<float> out(inputs.size(), 1.0f);
  if (pattern.empty() || inputs.size() < pattern.size()) return out;
  for (size_t t = pattern.size() - 1; t < inputs.size(); ++t) {
    if (std::equal(pattern.begin(), pattern.end(), inputs.begin() + (t + 1 - pattern.size()))) {
      out[t] = static_cast<float>(weight);
    }
  }
  return out;
}

ModelConfig DefaultTinyConfig() {
  ModelConfig c;
  c.model_type = "llama";
  c.hidden_size = 256;
  c.intermediate_size = 640;
  c.num_hidden_layers = 8;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 4;
  c.head_dim = 32;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000;
  c.tie_word_embeddings = true;
  c.max_position_embeddings = 2048;
  c.torch_dtype = "float16";
  return c;
}

absl::Status Train(const TrainerOptions& o,
                   const std::function<void(const TrainProgress&)>& progress) {
  if (o.seq_len < 8 || o.batch_size < 1 || o.steps < 1) {
    return absl::InvalidArgumentError("train: seq_len >= 8, batch_size >= 1 and steps >= 1 needed");
  }
  if (o.init != "normal" && o.init != "mimetic") {
    return absl::InvalidArgumentError(
        absl::StrCat("train: init must be normal or mimetic (got \"", o.init, "\")"));
  }
  if (o.warm_steps < 0 || (o.warm_steps > 0) != !o.warm_corpus.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("train: warm_corpus and warm_steps > 0 go together (got warm_corpus \"",
                     o.warm_corpus, "\", warm_steps ", o.warm_steps, ")"));
  }
  if (o.warm_restart && o.warm_steps == 0) {
    return absl::InvalidArgumentError("train: warm_restart needs warm_steps > 0 and a warm_corpus");
  }
  if (!(o.answer_weight > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("train: answer_weight must be > 0 (got ", o.answer_weight, ")"));
  }
  std::error_code ec;
  fs::create_directories(o.out_dir + "/train_state", ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(o.out_dir, ": ", ec.message()));
  ConfigureProcess(o.threads);
  DEPTHLAB_ASSIGN_OR_RETURN(const at::Device device, ChooseDevice(o.device));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<std::string> docs, LoadDocuments(o.corpus));
  DEPTHLAB_RETURN_IF_ERROR(PrepareTokenizer(o, docs));
  DEPTHLAB_ASSIGN_OR_RETURN(auto tok, Tokenizer::FromDirectory(o.out_dir));
  DEPTHLAB_ASSIGN_OR_RETURN(ModelConfig config, ConfigFor(o, *tok));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> stream, TokenStream(*tok, docs));
  DEPTHLAB_RETURN_IF_ERROR(CheckStreamLength(o.corpus, stream, o.seq_len));
  std::vector<int32_t> warm_stream;
  if (o.warm_steps > 0) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<std::string> warm_docs, LoadDocuments(o.warm_corpus));
    DEPTHLAB_ASSIGN_OR_RETURN(warm_stream, TokenStream(*tok, warm_docs));
    DEPTHLAB_RETURN_IF_ERROR(CheckStreamLength(o.warm_corpus, warm_stream, o.seq_len));
  }
  std::vector<int32_t> eval_stream;
  if (!o.eval_corpus.empty()) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<std::string> eval_docs, LoadDocuments(o.eval_corpus));
    DEPTHLAB_ASSIGN_OR_RETURN(eval_stream, TokenStream(*tok, eval_docs));
  }
  try {
    Run run(o, config, InitParameters(config, o.seed, o.init == "mimetic"), device);
    DEPTHLAB_RETURN_IF_ERROR(run.Setup());
    if (o.answer_weight != 1) {
      DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> pattern, AnswerPattern(*tok, stream));
      run.set_answer_pattern(std::move(pattern));
    }
    if (o.document_mask) {
      if (!config.bos_token_id) {
        return absl::FailedPreconditionError(
            "train: document_mask: the tokenizer has no BOS token to start documents with");
      }
      run.set_document_bos(*config.bos_token_id);
    }
    return TrainLoop(o, run, stream, warm_stream, EvalWindows(o, eval_stream, device), progress);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("train: libtorch: ", e.what_without_backtrace()));
  }
}

}  // namespace depthlab::engine
