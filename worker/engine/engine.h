// The engine facade: a loaded model plus its tokenizer, with torch-free entry points for everything
// depthlab measures: summed next-token loss, logits, greedy generation and the influence
// statistics pass, each under a unit mask with optional replacements. libtorch exceptions never
// leave this class (CUDA out-of-memory -> ResourceExhausted, other c10::Error -> Internal).
//
//   DEPTHLAB_ASSIGN_OR_RETURN(auto engine, Engine::Create({.model_dir = "models/tiny"}));
//   UnitMask mask = UnitMask::AllKept(engine->config().num_hidden_layers);
//   DEPTHLAB_ASSIGN_OR_RETURN(LossResult loss, engine->Loss(sequences, mask, {}));
#ifndef DEPTHLAB_WORKER_ENGINE_ENGINE_H_
#define DEPTHLAB_WORKER_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/influence_stats.h"
#include "worker/engine/model_config.h"
#include "worker/engine/replacement.h"
#include "worker/engine/tokenizer.h"
#include "worker/engine/unit_mask.h"

namespace depthlab::engine {

struct EngineOptions {
  std::string model_dir;
  // "auto" (CUDA when available, else CPU), "cpu" or "cuda".
  std::string device = "auto";
  // "auto" (fp32 on CPU, bf16 on CUDA), "float32", "bfloat16" or "float16".
  std::string dtype = "auto";
  // Intra-op threads on CPU; 0 uses every core.
  int num_threads = 0;
  // Sequences per forward when a call gets more (bounds activation memory).
  int max_batch = 8;
};

using TokenSequences = std::vector<std::vector<int32_t>>;

struct LossResult {
  double nll_sum = 0;                    // summed next-token negative log-likelihood (nats)
  int64_t tokens = 0;                    // predicted tokens (sum over sequences of length - 1)
  std::vector<double> sequence_nll;      // per input sequence
  std::vector<int64_t> sequence_tokens;  // per input sequence

  double mean_nll() const { return tokens ? nll_sum / tokens : 0; }
};

// One multiple-choice candidate: `tokens` = context + continuation tokenised together, split at
// `context_length` (METHODS.md §7). REQUIRES: 1 <= context_length < tokens.size().
struct ContinuationRequest {
  std::vector<int32_t> tokens;
  int context_length = 0;
};

struct ContinuationScore {
  double logprob = 0;   // sum of the continuation tokens' log-probabilities
  int tokens = 0;       // continuation tokens
  bool greedy = false;  // every continuation token is the argmax
};

// How ScoreContinuations shares work across the requests of one call.
struct ScoreOptions {
  // Leading tokens common to every request that run once for the whole call. -1 (automatic): the
  // longest common prefix, when it is long enough to be worth a pass and more than one context
  // shares it. n >= 0: exactly n tokens (0 = no shared pass); REQUIRES every request to share
  // them and n < every context_length. A fixed n makes each request's arithmetic independent of
  // the other requests in the call, so sums over items do not depend on how items are batched.
  int shared_prefix = -1;
};

// Per-position L2 distance between two models' logits (METHODS.md §3, logit_distance).
struct DistanceResult {
  double distance_sum = 0;  // sum over positions of |logits - reference logits|_2
  int64_t positions = 0;
  std::vector<double> sequence_distance;    // per input sequence
  std::vector<int64_t> sequence_positions;  // per input sequence
};

// How a call over many masks (Losses, LogitDistances) shares work between them.
struct MaskSetOptions {
  // Masks that agree on their first units share those units' computation: the masks form a trie
  // over their per-unit keep/remove decisions, walked depth first, and the residual stream is kept
  // at each branch point. Results equal evaluating each mask alone (the same operations on the
  // same inputs). false runs every mask from the embeddings (the baseline of bench/).
  bool prefix_reuse = true;
};

// Results of Losses, per mask in the order given, and the work it took.
struct MaskLosses {
  std::vector<LossResult> per_mask;
  // Unit forwards: sequences times kept units run. One mask alone costs sequences x its kept
  // units; with prefix reuse a unit shared by several masks counts once.
  int64_t unit_forwards = 0;
};

// Results of LogitDistances, per mask in the order given, and the work it took (the reference's
// forward included), as in MaskLosses.
struct MaskDistances {
  std::vector<DistanceResult> per_mask;
  int64_t unit_forwards = 0;
};

struct GenerateOptions {
  int max_new_tokens = 64;
  bool use_cache = true;
  bool stop_at_eos = true;
  // Called with the tokens generated so far after each step; true stops generation (e.g. when
  // the decoded text contains a stop string).
  std::function<bool(const std::vector<int32_t>& generated)> stop;
};

// Process-wide settings for tensor work: glibc malloc serves every buffer from the heap and keeps
// freed memory mapped (the page faults of fresh mappings otherwise dominate CPU time: ~9x on
// attention, and most of a training step), and libtorch uses `num_threads` intra-op threads
// (0 = every core). Engine::Create calls it; benchmarks call it so that baselines run under the
// same settings.
void ConfigureProcess(int num_threads);

// Thread-compatible: one call at a time per Engine.
class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  ~Engine();

  const ModelConfig& config() const;
  const Tokenizer& tokenizer() const;
  // e.g. "cpu float32 (2 threads)".
  std::string description() const;

  // Summed next-token loss of each sequence (lengths may differ; each needs >= 2 tokens).
  absl::StatusOr<LossResult> Loss(const TokenSequences& sequences, const UnitMask& mask,
                                  const Replacements& replacements) const;
  // Loss for each of `masks` over the same sequences, sharing work as `options` says.
  absl::StatusOr<MaskLosses> Losses(const TokenSequences& sequences,
                                    const std::vector<UnitMask>& masks,
                                    const Replacements& replacements,
                                    const MaskSetOptions& options = {}) const;
  // Logits of one sequence, [seq, vocab] row-major fp32.
  absl::StatusOr<std::vector<float>> Logits(const std::vector<int32_t>& tokens,
                                            const UnitMask& mask,
                                            const Replacements& replacements) const;
  // Log-likelihood of each continuation given its context. The longest token prefix common to all
  // requests (e.g. a subject's few-shot examples) runs once; requests with identical contexts
  // share one pass over the rest of the context (the choices of one question); results equal
  // scoring each request alone up to float rounding.
  absl::StatusOr<std::vector<ContinuationScore>> ScoreContinuations(
      const std::vector<ContinuationRequest>& requests, const UnitMask& mask,
      const Replacements& replacements, const ScoreOptions& options = {}) const;
  // Greedy continuation of `prompt`; returns only the new tokens.
  absl::StatusOr<std::vector<int32_t>> Generate(const std::vector<int32_t>& prompt,
                                                const UnitMask& mask,
                                                const Replacements& replacements,
                                                const GenerateOptions& options) const;
  // For each of `masks`, the L2 distance between its logits and those under `reference`, summed
  // over every position of `sequences` (replacements apply to both). The reference runs once per
  // batch of sequences; a batch holds at most max_batch sequences and about 16M logits, so memory
  // stays bounded for any vocabulary. The reference shares its prefix with the masks as in
  // `options`.
  absl::StatusOr<MaskDistances> LogitDistances(const TokenSequences& sequences,
                                               const UnitMask& reference,
                                               const std::vector<UnitMask>& masks,
                                               const Replacements& replacements,
                                               const MaskSetOptions& options = {}) const;
  // Influence statistics over all tokens of `sequences` on the masked model.
  absl::StatusOr<InfluenceStatistics> Statistics(const TokenSequences& sequences,
                                                 const UnitMask& mask) const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_ENGINE_H_
