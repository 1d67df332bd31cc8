#include "worker/worker_commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "worker/command_line.h"
#include "worker/engine/corpus.h"
#include "worker/engine/engine.h"
#include "worker/engine/random_model.h"
#include "worker/engine/trainer.h"

namespace depthlab::worker {
namespace {

using engine::Engine;
using engine::UnitMask;
using nlohmann::json;

void AddModelFlags(FlagSet* flags) {
  flags->String("model", "", "Hugging Face model directory (required)");
  flags->String("remove", "", "units to remove, e.g. block:2,attn:1,mlp:3 or block:4-6");
  flags->String("device", "auto", "auto, cpu or cuda");
  flags->String("dtype", "auto", "auto (fp32 on CPU, bf16 on CUDA), float32, bfloat16, float16");
  flags->String("threads", "0", "CPU threads for libtorch (0 = its default)");
  flags->Bool("json", "print JSON instead of a table");
}

void AddCorpusFlags(FlagSet* flags, const char* file_flag, const char* what) {
  flags->String(file_flag, "", what);
  flags->String("seq-len", "128", "tokens per sequence");
  flags->String("max-sequences", "64", "use at most this many sequences (0 = all)");
  flags->String("batch", "8", "sequences per forward pass");
}

struct Loaded {
  std::unique_ptr<Engine> engine;
  UnitMask mask;
};

absl::StatusOr<Loaded> LoadModel(const FlagSet& flags, int batch = 8) {
  engine::EngineOptions options;
  DEPTHLAB_ASSIGN_OR_RETURN(options.model_dir, flags.Required("model"));
  options.device = flags.Get("device");
  options.dtype = flags.Get("dtype");
  DEPTHLAB_ASSIGN_OR_RETURN(options.num_threads, flags.GetInt("threads", 0));
  options.max_batch = batch;
  Loaded loaded;
  DEPTHLAB_ASSIGN_OR_RETURN(loaded.engine, Engine::Create(options));
  loaded.mask = UnitMask::AllKept(loaded.engine->config().num_hidden_layers);
  DEPTHLAB_RETURN_IF_ERROR(loaded.mask.ApplyRemovals(flags.Get("remove")));
  return loaded;
}

absl::StatusOr<engine::TokenSequences> LoadCorpus(const FlagSet& flags, const char* file_flag,
                                                  const Engine& e) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::string path, flags.Required(file_flag));
  DEPTHLAB_ASSIGN_OR_RETURN(int seq_len, flags.GetInt("seq-len", 2));
  DEPTHLAB_ASSIGN_OR_RETURN(int max_sequences, flags.GetInt("max-sequences", 0));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<std::string> docs, engine::LoadDocuments(path));
  return engine::PackSequences(e.tokenizer(), docs, seq_len, max_sequences);
}

// Prints "[what] done/total" on stderr, overwriting the line, when stderr is a terminal or the
// job is long enough to be worth it.
void Progress(const char* what, size_t done, size_t total) {
  std::cerr << "\r[" << what << "] " << done << "/" << total << " sequences"
            << (done == total ? "\n" : "") << std::flush;
}

// Runs `step` over `seqs` in chunks of `batch`, reporting progress.
template <typename Step>
absl::Status Chunked(const engine::TokenSequences& seqs, int batch, const char* what, Step step) {
  for (size_t begin = 0; begin < seqs.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(seqs.size(), begin + static_cast<size_t>(batch));
    engine::TokenSequences chunk(seqs.begin() + begin, seqs.begin() + end);
    DEPTHLAB_RETURN_IF_ERROR(step(chunk));
    Progress(what, end, seqs.size());
  }
  return absl::OkStatus();
}

absl::Status Perplexity(const FlagSet& flags) {
  DEPTHLAB_ASSIGN_OR_RETURN(int batch, flags.GetInt("batch", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(Loaded m, LoadModel(flags, batch));
  DEPTHLAB_ASSIGN_OR_RETURN(engine::TokenSequences seqs, LoadCorpus(flags, "text", *m.engine));
  engine::LossResult total;
  const auto start = std::chrono::steady_clock::now();
  DEPTHLAB_RETURN_IF_ERROR(
      Chunked(seqs, batch, "perplexity", [&](const auto& chunk) -> absl::Status {
        DEPTHLAB_ASSIGN_OR_RETURN(engine::LossResult r, m.engine->Loss(chunk, m.mask, {}));
        total.nll_sum += r.nll_sum;
        total.tokens += r.tokens;
        total.sequence_nll.insert(total.sequence_nll.end(), r.sequence_nll.begin(),
                                  r.sequence_nll.end());
        total.sequence_tokens.insert(total.sequence_tokens.end(), r.sequence_tokens.begin(),
                                     r.sequence_tokens.end());
        return absl::OkStatus();
      }));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double seq_ppl = 0;
  for (size_t i = 0; i < total.sequence_nll.size(); ++i) {
    seq_ppl += std::exp(total.sequence_nll[i] / total.sequence_tokens[i]);
  }
  seq_ppl /= static_cast<double>(total.sequence_nll.size());
  if (flags.IsSet("json")) {
    std::cout << json{{"removed", m.mask.RemovedString()},
                      {"sequences", seqs.size()},
                      {"tokens", total.tokens},
                      {"mean_nll", total.mean_nll()},
                      {"perplexity", std::exp(total.mean_nll())},
                      {"mean_sequence_perplexity", seq_ppl},
                      {"seconds", seconds}}
                     .dump(2)
              << "\n";
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat(
      "model      %s (%s)\nremoved    %s\nsequences  %d x %s tokens\ntokens     %d predicted\n"
      "mean NLL   %.4f nats\nperplexity %.3f  (mean of per-sequence perplexities: %.3f)\n"
      "time       %.2f s (%.0f tokens/s)\n",
      flags.Get("model"), m.engine->description(),
      m.mask.all_kept() ? "(none)" : m.mask.RemovedString(), seqs.size(), flags.Get("seq-len"),
      total.tokens, total.mean_nll(), std::exp(total.mean_nll()), seq_ppl, seconds,
      total.tokens / std::max(seconds, 1e-9));
  return absl::OkStatus();
}

absl::Status Generate(const FlagSet& flags) {
  DEPTHLAB_ASSIGN_OR_RETURN(Loaded m, LoadModel(flags));
  DEPTHLAB_ASSIGN_OR_RETURN(std::string prompt, flags.Required("prompt"));
  engine::GenerateOptions options;
  DEPTHLAB_ASSIGN_OR_RETURN(options.max_new_tokens, flags.GetInt("max-new-tokens", 1));
  options.use_cache = !flags.IsSet("no-cache");
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, m.engine->tokenizer().Encode(prompt, true));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> out, m.engine->Generate(ids, m.mask, {}, options));
  const std::string text = m.engine->tokenizer().Decode(out);
  if (flags.IsSet("json")) {
    std::cout << json{{"prompt_ids", ids}, {"generated_ids", out}, {"text", text}}.dump(2) << "\n";
    return absl::OkStatus();
  }
  std::cout << "prompt ids    ";
  for (int32_t id : ids) std::cout << id << " ";
  std::cout << "\ngenerated ids ";
  for (int32_t id : out) std::cout << id << " ";
  std::cout << "\n" << prompt << text << "\n";
  return absl::OkStatus();
}

absl::Status Tokenize(const FlagSet& flags) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::string model, flags.Required("model"));
  DEPTHLAB_ASSIGN_OR_RETURN(std::string text, flags.Required("text"));
  DEPTHLAB_ASSIGN_OR_RETURN(auto tok, engine::Tokenizer::FromDirectory(model));
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                            tok->Encode(text, !flags.IsSet("no-special")));
  if (flags.IsSet("json")) {
    std::vector<std::string> pieces;
    for (int32_t id : ids) pieces.push_back(tok->IdToPiece(id));
    std::cout << json{{"ids", ids}, {"pieces", pieces}, {"decoded", tok->Decode(ids)}}.dump(2)
              << "\n";
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("%d tokens (%s tokenizer, vocabulary %d)\n", ids.size(),
                               std::string(tok->kind()), tok->vocab_size());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::cout << absl::StrFormat("%5d  %7d  %s\n", i, ids[i], json(tok->IdToPiece(ids[i])).dump());
  }
  return absl::OkStatus();
}

// The rows a granularity reports: (label, sums) for blocks or for sub-layer units.
std::vector<std::pair<std::string, const engine::UnitStatsSums*>> StatRows(
    const engine::InfluenceStatistics& s, engine::Granularity g) {
  std::vector<std::pair<std::string, const engine::UnitStatsSums*>> rows;
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    if (g == engine::Granularity::kBlock) {
      rows.emplace_back(absl::StrCat("block:", i), &s.blocks[i]);
      continue;
    }
    if (g != engine::Granularity::kMlp)
      rows.emplace_back(absl::StrCat("attn:", i), &s.sublayers[2 * i]);
    if (g != engine::Granularity::kAttention) {
      rows.emplace_back(absl::StrCat("mlp:", i), &s.sublayers[2 * i + 1]);
    }
  }
  return rows;
}

absl::Status Stats(const FlagSet& flags) {
  DEPTHLAB_ASSIGN_OR_RETURN(engine::Granularity g,
                            engine::ParseGranularity(flags.Get("granularity")));
  DEPTHLAB_ASSIGN_OR_RETURN(int batch, flags.GetInt("batch", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(Loaded m, LoadModel(flags, batch));
  DEPTHLAB_ASSIGN_OR_RETURN(engine::TokenSequences seqs,
                            LoadCorpus(flags, "calibration", *m.engine));
  auto stats = engine::InfluenceStatistics::Empty(m.engine->config().num_hidden_layers,
                                                  m.engine->config().hidden_size);
  DEPTHLAB_RETURN_IF_ERROR(Chunked(seqs, batch, "stats", [&](const auto& chunk) -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(auto part, m.engine->Statistics(chunk, m.mask));
    return stats.Merge(part);
  }));
  auto rows = StatRows(stats, g);
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  // Units with no tokens (removed) sort last; otherwise lowest cosine first = pruned first.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto* x = rows[a].second;
    const auto* y = rows[b].second;
    if ((x->tokens == 0) != (y->tokens == 0)) return y->tokens == 0;
    return x->cosine() < y->cosine();
  });
  std::vector<int> rank(rows.size(), 0);
  for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<int>(r) + 1;
  if (flags.IsSet("json")) {
    json units = json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto* s = rows[i].second;
      json u = {{"unit", rows[i].first},
                {"cosine", s->cosine()},
                {"relative_l1", s->relative_l1()},
                {"relative_l2", s->relative_l2()},
                {"tokens", s->tokens},
                {"cosine_rank", rank[i]}};
      if (flags.IsSet("mean-update")) u["mean_update"] = s->mean_update();
      units.push_back(u);
    }
    json prune_order = json::array();
    for (size_t i : order) prune_order.push_back(rows[i].first);
    std::cout << json{{"granularity", engine::GranularityName(g)},
                      {"removed", m.mask.RemovedString()},
                      {"sequences", seqs.size()},
                      {"units", units},
                      {"cosine_order", prune_order}}
                     .dump(2)
              << "\n";
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("model %s (%s), %d sequences, granularity %s%s\n\n",
                               flags.Get("model"), m.engine->description(), seqs.size(),
                               engine::GranularityName(g),
                               m.mask.all_kept() ? "" : ", removed " + m.mask.RemovedString());
  std::cout << absl::StrFormat("%-10s %10s %12s %12s %9s %6s\n", "unit", "cosine", "relative_l1",
                               "relative_l2", "tokens", "rank");
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto* s = rows[i].second;
    if (s->tokens == 0) {
      std::cout << absl::StrFormat("%-10s %10s %12s %12s %9d %6s\n", rows[i].first, "removed", "-",
                                   "-", 0, "-");
      continue;
    }
    std::cout << absl::StrFormat("%-10s %10.5f %12.5f %12.5f %9d %6d\n", rows[i].first, s->cosine(),
                                 s->relative_l1(), s->relative_l2(), s->tokens, rank[i]);
  }
  std::cout << "\nprune order (lowest cosine first):";
  for (size_t i : order) {
    if (rows[i].second->tokens > 0) std::cout << " " << rows[i].first;
  }
  std::cout << "\n";
  return absl::OkStatus();
}

absl::Status InitRandom(const FlagSet& flags) {
  engine::RandomModelOptions o;
  engine::ModelConfig& c = o.config;
  DEPTHLAB_ASSIGN_OR_RETURN(std::string out, flags.Required("out"));
  c.model_type = flags.Get("model-type");
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_hidden_layers, flags.GetInt("layers", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.hidden_size, flags.GetInt("hidden", 8));
  DEPTHLAB_ASSIGN_OR_RETURN(c.intermediate_size, flags.GetInt("intermediate", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_attention_heads, flags.GetInt("heads", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_key_value_heads, flags.GetInt("kv-heads", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.vocab_size, flags.GetInt("vocab", engine::kByteLevelTokenizerSize));
  DEPTHLAB_ASSIGN_OR_RETURN(int seed, flags.GetInt("seed", 0));
  o.seed = static_cast<uint64_t>(seed);
  if (c.hidden_size % c.num_attention_heads != 0) {
    return absl::InvalidArgumentError("--hidden must be a multiple of --heads");
  }
  c.head_dim = c.hidden_size / c.num_attention_heads;
  DEPTHLAB_RETURN_IF_ERROR(engine::WriteRandomModel(out, o));
  std::cout << absl::StrFormat(
      "wrote a random %s model to %s: %d layers, hidden %d, %d/%d heads, "
      "vocabulary %d\n",
      c.model_type, out, c.num_hidden_layers, c.hidden_size, c.num_attention_heads,
      c.num_key_value_heads, c.vocab_size);
  return absl::OkStatus();
}

// "step 120/3000 [=====>      ] loss 3.210 eval 3.400 lr 2.9e-03 1234 tok/s ETA 12m05s"
void PrintTrainProgress(const engine::TrainProgress& p) {
  constexpr int kWidth = 30;
  const int filled = p.step * kWidth / std::max(1, p.steps);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  // Time per step over the steps this run did (a resumed run starts at p.first_step).
  const double per_step = p.elapsed_seconds / std::max(1, p.step - p.first_step);
  const int eta = static_cast<int>(per_step * (p.steps - p.step));
  std::cerr << absl::StrFormat("\rstep %d/%d [%s] loss %.3f", p.step, p.steps, bar, p.loss);
  if (p.eval_loss >= 0) std::cerr << absl::StrFormat(" eval %.3f", p.eval_loss);
  std::cerr << absl::StrFormat(" lr %.1e %.0f tok/s ETA %dm%02ds ", p.learning_rate,
                               p.tokens_per_second, eta / 60, eta % 60);
  if (p.eval_loss >= 0 || p.step == p.steps) std::cerr << "\n";
  std::cerr << std::flush;
}

absl::Status TrainCommand(const FlagSet& flags) {
  engine::TrainerOptions o;
  DEPTHLAB_ASSIGN_OR_RETURN(o.corpus, flags.Required("corpus"));
  DEPTHLAB_ASSIGN_OR_RETURN(o.out_dir, flags.Required("out"));
  o.eval_corpus = flags.Get("eval-corpus");
  o.tokenizer_dir = flags.Get("tokenizer-from");
  o.config = engine::DefaultTinyConfig();
  engine::ModelConfig& c = o.config;
  DEPTHLAB_ASSIGN_OR_RETURN(o.vocab_size, flags.GetInt("vocab", 300));
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_hidden_layers, flags.GetInt("layers", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.hidden_size, flags.GetInt("hidden", 8));
  DEPTHLAB_ASSIGN_OR_RETURN(c.intermediate_size, flags.GetInt("intermediate", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_attention_heads, flags.GetInt("heads", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(c.num_key_value_heads, flags.GetInt("kv-heads", 1));
  if (c.hidden_size % c.num_attention_heads != 0) {
    return absl::InvalidArgumentError("--hidden must be a multiple of --heads");
  }
  c.head_dim = c.hidden_size / c.num_attention_heads;
  DEPTHLAB_ASSIGN_OR_RETURN(o.seq_len, flags.GetInt("seq-len", 8));
  DEPTHLAB_ASSIGN_OR_RETURN(o.batch_size, flags.GetInt("batch", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(o.steps, flags.GetInt("steps", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(o.warmup_steps, flags.GetInt("warmup", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(o.learning_rate, flags.GetDouble("lr"));
  DEPTHLAB_ASSIGN_OR_RETURN(o.min_learning_rate, flags.GetDouble("min-lr"));
  DEPTHLAB_ASSIGN_OR_RETURN(o.answer_weight, flags.GetDouble("answer-weight"));
  DEPTHLAB_ASSIGN_OR_RETURN(o.eval_every, flags.GetInt("eval-every", 0));
  DEPTHLAB_ASSIGN_OR_RETURN(o.checkpoint_every, flags.GetInt("checkpoint-every", 1));
  DEPTHLAB_ASSIGN_OR_RETURN(o.threads, flags.GetInt("threads", 0));
  o.device = flags.Get("device");
  o.document_mask = flags.IsSet("document-mask");
  o.init = flags.Get("init");
  o.warm_corpus = flags.Get("warm-corpus");
  DEPTHLAB_ASSIGN_OR_RETURN(o.warm_steps, flags.GetInt("warm-steps", 0));
  o.warm_restart = flags.IsSet("warm-restart");
  DEPTHLAB_ASSIGN_OR_RETURN(int seed, flags.GetInt("seed", 0));
  o.seed = static_cast<uint64_t>(seed);
  DEPTHLAB_RETURN_IF_ERROR(engine::Train(o, PrintTrainProgress));
  std::cout << "wrote " << o.out_dir
            << " (config.json, model.safetensors, tokenizer, train_log.csv)\n";
  return absl::OkStatus();
}

}  // namespace

int RunPerplexity(int argc, char** argv) {
  FlagSet flags = WorkerFlags(
      "perplexity",
      "Perplexity of a text file (plain text, or JSONL with a \"text\" field per line):\n"
      "documents are tokenised with BOS, concatenated and cut into --seq-len sequences.\n"
      "Reports exp(corpus mean NLL) and the mean of per-sequence perplexities.");
  AddModelFlags(&flags);
  AddCorpusFlags(&flags, "text", "text file to score (required)");
  return RunCommand(flags, argc, argv, Perplexity);
}

int RunGenerate(int argc, char** argv) {
  FlagSet flags = WorkerFlags(
      "generate", "Greedy generation with a KV cache (removed attention units hold none).");
  AddModelFlags(&flags);
  flags.String("prompt", "", "prompt text (required); BOS is added as the tokenizer says");
  flags.String("max-new-tokens", "32", "tokens to generate (stops early at EOS)");
  flags.Bool("no-cache",
             "recompute the whole sequence at every step instead of using the KV cache");
  return RunCommand(flags, argc, argv, Generate);
}

int RunTokenize(int argc, char** argv) {
  FlagSet flags =
      WorkerFlags("tokenize", "Token ids and pieces of a text under a model's tokenizer.");
  flags.String("model", "", "Hugging Face model directory (required)");
  flags.String("text", "", "text to tokenise (required)");
  flags.Bool("no-special", "do not add BOS/EOS");
  flags.Bool("json", "print JSON instead of a table");
  return RunCommand(flags, argc, argv, Tokenize);
}

int RunStats(int argc, char** argv) {
  FlagSet flags =
      WorkerFlags("stats",
                  "Per-unit influence over a calibration file (METHODS.md §2): cosine distance\n"
                  "1 - cos(x, y), relative L1 and L2 update norms, averaged over tokens, with the\n"
                  "rank by cosine (1 = least influential = pruned first).");
  AddModelFlags(&flags);
  AddCorpusFlags(&flags, "calibration", "calibration text, plain or JSONL {\"text\"} (required)");
  flags.String("granularity", "block", "block, attention, mlp or sublayer");
  flags.Bool("mean-update", "include each unit's mean update vector in --json output");
  return RunCommand(flags, argc, argv, Stats);
}

int RunInitRandom(int argc, char** argv) {
  FlagSet flags =
      WorkerFlags("init-random",
                  "Write a random-weight Hugging Face model directory (config.json,\n"
                  "model.safetensors, byte-level BPE tokenizer.json) for demos and benchmarks.");
  flags.String("out", "", "directory to write (required)");
  flags.String("model-type", "llama", "llama, mistral or qwen2");
  flags.String("layers", "8", "decoder layers");
  flags.String("hidden", "256", "hidden size");
  flags.String("intermediate", "688", "MLP intermediate size");
  flags.String("heads", "8", "attention heads");
  flags.String("kv-heads", "4", "key/value heads (GQA when fewer than --heads)");
  flags.String("vocab", "512", "vocabulary size (at least 265)");
  flags.String("seed", "1", "random seed");
  return RunCommand(flags, argc, argv, InitRandom);
}

int RunTrain(int argc, char** argv) {
  FlagSet flags = WorkerFlags(
      "train",
      "Train a LLaMA-architecture model from scratch (libtorch autograd through the\n"
      "engine's decoder) and write a Hugging Face directory. Without --tokenizer-from, a\n"
      "SentencePiece BPE vocabulary is first trained on the corpus with spm_train.\n"
      "Interrupted runs resume from <out>/train_state with the same data order.");
  flags.String("corpus", "", "training documents, JSONL {\"text\"} or plain text (required)");
  flags.String("eval-corpus", "", "held-out documents; their loss is logged every --eval-every");
  flags.String("warm-corpus", "",
               "documents the first --warm-steps steps train on instead of --corpus (a "
               "curriculum, e.g. drills that teach in-context matching)");
  flags.String("warm-steps", "0", "steps drawn from --warm-corpus before --corpus");
  flags.Bool("warm-restart",
             "hold the peak --lr through the --warm-steps, then decay by cosine over the rest "
             "(default: one cosine over all --steps)");
  flags.String("out", "", "model directory to write (required)");
  flags.String("tokenizer-from", "", "copy the tokenizer of this model directory instead");
  flags.String("vocab", "4096", "SentencePiece vocabulary size");
  flags.String("layers", "8", "decoder layers");
  flags.String("hidden", "256", "hidden size");
  flags.String("intermediate", "640", "MLP intermediate size");
  flags.String("heads", "8", "attention heads");
  flags.String("kv-heads", "4", "key/value heads");
  flags.String("seq-len", "256", "training sequence length");
  flags.String("batch", "16", "sequences per step");
  flags.String("steps", "2000", "optimizer steps");
  flags.String("warmup", "100", "linear warm-up steps");
  flags.String("lr", "3e-3", "peak learning rate (AdamW, cosine decay)");
  flags.String("min-lr", "3e-4", "final learning rate");
  flags.String("answer-weight", "1",
               "loss weight of the token after each \"Answer:\" (1 = plain language-model loss)");
  flags.Bool("document-mask",
             "attend only within each document of a packed window, as each prompt is alone at "
             "evaluation (default: across the window's earlier documents too)");
  flags.String("init", "normal",
               "attention initialisation: normal, or mimetic (query-key near the identity, so "
               "tokens start out attending to copies of themselves)");
  flags.String("eval-every", "200", "steps between held-out evaluations (0 = never)");
  flags.String("checkpoint-every", "100", "steps between resumable state checkpoints");
  flags.String("threads", "0", "CPU threads (0 = every core)");
  flags.String("device", "auto",
               "auto (CUDA when available), cpu or cuda; a resumed run may change device");
  flags.String("seed", "1", "random seed (initialisation and data order)");
  return RunCommand(flags, argc, argv, TrainCommand);
}

}  // namespace depthlab::worker
