#include "worker/engine/engine.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <malloc.h>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "worker/engine/decoder.h"
#include "worker/engine/device.h"
#include "worker/engine/weights.h"

namespace depthlab::engine {
namespace {

// Shorter common prefixes are not worth a separate pass.
constexpr size_t kMinSharedPrefix = 8;
// Logits per buffer in LogitDistances (64 MiB of fp32): bounds its batches.
constexpr int64_t kMaxBatchLogits = int64_t{1} << 24;

// Runs `f` with autograd off, turning libtorch exceptions into statuses (the only place in the
// engine where they are caught).
template <typename F>
auto Guarded(F&& f) -> decltype(f()) {
  try {
    c10::InferenceMode inference;
    return f();
  } catch (const c10::OutOfMemoryError& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of device memory: ", e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("libtorch: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("engine: ", e.what()));
  }
}

absl::StatusOr<at::ScalarType> ChooseDtype(const std::string& name, const at::Device& device) {
  if (name == "auto") return device.is_cuda() ? at::kBFloat16 : at::kFloat;
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16") return at::kHalf;
  return absl::InvalidArgumentError(absl::StrCat("dtype: unknown value '", name,
                                                 "' (expected auto, float32, bfloat16, float16)"));
}

// Sums of the §2 metrics over the valid tokens of one unit's input x and output y, [N, H].
void Accumulate(const at::Tensor& x, const at::Tensor& y, UnitStatsSums* sums) {
  const at::Tensor xf = x.to(at::kFloat), yf = y.to(at::kFloat);
  const at::Tensor d = yf - xf;
  const at::Tensor cos = at::cosine_similarity(xf, yf, /*dim=*/1, /*eps=*/1e-8);
  const at::Tensor rel_l1 = d.abs().sum(1) / xf.abs().sum(1).clamp_min(1e-12);
  const at::Tensor rel_l2 = d.norm(2, 1) / xf.norm(2, 1).clamp_min(1e-12);
  sums->cosine_sum += (1 - cos).to(at::kDouble).sum().item<double>();
  sums->rel_l1_sum += rel_l1.to(at::kDouble).sum().item<double>();
  sums->rel_l2_sum += rel_l2.to(at::kDouble).sum().item<double>();
  sums->tokens += x.size(0);
  const at::Tensor update = d.to(at::kDouble).sum(0).to(at::kCPU).contiguous();
  const double* u = update.data_ptr<double>();
  for (size_t i = 0; i < sums->update_sum.size(); ++i) sums->update_sum[i] += u[i];
}

// Tokens every request shares, stopping one short of the shortest context so that every group
// still runs its last context token (whose output predicts the first continuation token).
// REQUIRES: every context_length >= 1.
size_t CommonContextPrefix(const std::vector<ContinuationRequest>& requests) {
  if (requests.empty()) return 0;
  const std::vector<int32_t>& base = requests[0].tokens;
  size_t shared = static_cast<size_t>(requests[0].context_length - 1);
  for (const ContinuationRequest& r : requests) {
    shared = std::min(shared, static_cast<size_t>(r.context_length - 1));
    size_t i = 0;
    while (i < shared && r.tokens[i] == base[i]) ++i;
    shared = i;
  }
  return shared;
}

// Runs the decoder under many masks from one batch's embeddings, sharing the units that masks
// agree on up to each point: the masks form a trie over their flat units' keep/remove decisions,
// walked depth first, with the residual stream of a branch point kept until both of its branches
// are done (at most one stream per unit on the path). Each stretch is the same RunUnits arithmetic
// a lone forward does, so every result equals evaluating that mask alone.
class MaskTrie {
 public:
  // Called once per distinct mask with its final stream and the indices of the masks equal to it,
  // in their order in `masks`.
  using Leaf = std::function<void(const at::Tensor& h, const std::vector<size_t>& masks)>;

  MaskTrie(const Decoder& decoder, const std::vector<const UnitMask*>& masks,
           const ReplacementTensorMap& replacements, Leaf leaf)
      : decoder_(decoder), masks_(masks), replacements_(replacements), leaf_(std::move(leaf)) {}

  // Walks every mask from stream h; masks[0]'s leaf comes first (its branch is walked first).
  // Without prefix reuse each mask runs alone, in order. Returns the unit forwards: rows times
  // kept units run.
  int64_t Walk(const at::Tensor& h, bool prefix_reuse) {
    forwards_ = 0;
    std::vector<size_t> all(masks_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    if (prefix_reuse) {
      if (!all.empty()) Visit(h, 0, all);
    } else {
      for (size_t i : all) Visit(h, 0, {i});
    }
    return forwards_;
  }

 private:
  void Visit(at::Tensor h, int unit, const std::vector<size_t>& group) {
    const UnitMask& head = *masks_[group.front()];
    const int units = decoder_.num_units();
    auto agree = [&](int u) {
      for (size_t i : group) {
        if (masks_[i]->kept_flat(u) != head.kept_flat(u)) return false;
      }
      return true;
    };
    int end = unit;
    while (end < units && agree(end)) ++end;
    if (end > unit) {
      h = decoder_.RunUnits(std::move(h), unit, end, head, replacements_);
      for (int u = unit; u < end; ++u) forwards_ += head.kept_flat(u) ? h.size(0) : 0;
    }
    if (end == units) {
      leaf_(h, group);
      return;
    }
    std::vector<size_t> same, other;  // same decision at `end` as the group's first mask, or not
    for (size_t i : group) {
      (masks_[i]->kept_flat(end) == head.kept_flat(end) ? same : other).push_back(i);
    }
    Visit(h, end, same);
    Visit(std::move(h), end, other);
  }

  const Decoder& decoder_;
  const std::vector<const UnitMask*>& masks_;
  const ReplacementTensorMap& replacements_;
  Leaf leaf_;
  int64_t forwards_ = 0;
};

}  // namespace

absl::StatusOr<at::Device> ChooseDevice(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name == "cuda" || name == "auto") {
    if (at::hasCUDA()) return at::Device(at::kCUDA, 0);
    if (name == "auto") return at::Device(at::kCPU);
    return absl::FailedPreconditionError(
        "device: 'cuda' requested but this libtorch has no CUDA device (use --device cpu)");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("device: unknown value '", name, "' (expected auto, cpu or cuda)"));
}

void ConfigureProcess(int num_threads) {
  static std::once_flag once;
  std::call_once(once, [] {
    // Every buffer comes from the heap (training allocates tensors past glibc's 32 MiB mmap
    // ceiling), and freed heap memory stays mapped for reuse instead of faulting in again.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
  });
  const int threads = num_threads > 0
                          ? num_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<Decoder> decoder;

  absl::Status CheckTokens(const std::vector<int32_t>& seq) const {
    const int vocab = decoder->config().vocab_size;
    for (int32_t id : seq) {
      if (id < 0 || id >= vocab) {
        return absl::InvalidArgumentError(
            absl::StrCat("token id ", id, " is outside the vocabulary [0, ", vocab, ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckMask(const UnitMask& mask) const {
    if (mask.num_layers() != decoder->config().num_hidden_layers) {
      return absl::InvalidArgumentError(absl::StrCat("mask covers ", mask.num_layers(),
                                                     " layers; the model has ",
                                                     decoder->config().num_hidden_layers));
    }
    return absl::OkStatus();
  }

  // Right-padded [batch, seq] int64 tokens for sequences [begin, end) and their lengths.
  static at::Tensor Pad(const TokenSequences& seqs, size_t begin, size_t end,
                        std::vector<int64_t>* lengths) {
    size_t longest = 0;
    for (size_t i = begin; i < end; ++i) longest = std::max(longest, seqs[i].size());
    at::Tensor tokens =
        at::zeros({static_cast<int64_t>(end - begin), static_cast<int64_t>(longest)}, at::kLong);
    auto acc = tokens.accessor<int64_t, 2>();
    for (size_t i = begin; i < end; ++i) {
      for (size_t t = 0; t < seqs[i].size(); ++t) acc[i - begin][t] = seqs[i][t];
      lengths->push_back(static_cast<int64_t>(seqs[i].size()));
    }
    return tokens;
  }

  // Flat indices (b * seq + t) of the valid positions of a padded batch.
  at::Tensor ValidIndex(const std::vector<int64_t>& lengths, int64_t seq) const {
    std::vector<int64_t> idx;
    for (size_t b = 0; b < lengths.size(); ++b) {
      for (int64_t t = 0; t < lengths[b]; ++t) idx.push_back(static_cast<int64_t>(b) * seq + t);
    }
    return at::tensor(idx, at::kLong).to(decoder->device());
  }

  void StatisticsBatch(const at::Tensor& tokens, const std::vector<int64_t>& lengths,
                       const UnitMask& mask, InfluenceStatistics* stats) const {
    const at::Tensor valid = ValidIndex(lengths, tokens.size(1));
    const int64_t hidden = decoder->config().hidden_size;
    auto rows = [&](const at::Tensor& t) { return t.reshape({-1, hidden}).index_select(0, valid); };
    at::Tensor block_in;
    const UnitObserver observer = [&](int u, const at::Tensor& in, const at::Tensor& out) {
      const at::Tensor x = rows(in), y = rows(out);
      Accumulate(x, y, &stats->sublayers[u]);
      if (u % 2 == 0) {
        block_in = x;
      } else if (mask.kept_flat(u - 1)) {
        Accumulate(block_in, y, &stats->blocks[u / 2]);
      }
    };
    decoder->RunUnits(decoder->Embed(tokens), 0, decoder->num_units(), mask, {}, 0, nullptr,
                      &observer);
  }

  // Runs `tokens[begin, end)` on top of `cache` (positions before `begin`), appending to it.
  at::Tensor Extend(const std::vector<int32_t>& tokens, size_t begin, size_t end,
                    const UnitMask& mask, const ReplacementTensorMap& repl, KVCache* cache) const {
    const Decoder& d = *decoder;
    std::vector<int64_t> unused;
    const std::vector<int32_t> part(tokens.begin() + begin, tokens.begin() + end);
    const at::Tensor h = d.RunUnits(d.Embed(Pad({part}, 0, 1, &unused)), 0, d.num_units(), mask,
                                    repl, static_cast<int64_t>(begin), cache);
    cache->length = static_cast<int64_t>(end);
    return h;
  }

  // Scores the continuations of requests that share one context, starting from `prefix` (a cache
  // over the context's first prefix.length tokens; copied, not modified): the rest of the context
  // runs once, its cache is expanded over the group, and the continuations run as one batch.
  void ScoreGroup(const std::vector<ContinuationRequest>& requests,
                  const std::vector<size_t>& group, const KVCache& prefix, const UnitMask& mask,
                  const ReplacementTensorMap& repl, std::vector<ContinuationScore>* out) const {
    const Decoder& d = *decoder;
    const ContinuationRequest& first = requests[group[0]];
    const int64_t ctx = first.context_length;
    KVCache cache = prefix;
    const at::Tensor hc = Extend(first.tokens, static_cast<size_t>(prefix.length),
                                 static_cast<size_t>(ctx), mask, repl, &cache);
    const int64_t n = static_cast<int64_t>(group.size());
    for (auto* kv : {&cache.keys, &cache.values}) {
      for (at::Tensor& t : *kv) {
        if (t.defined()) t = t.expand({n, t.size(1), t.size(2), t.size(3)});
      }
    }
    TokenSequences conts;
    for (size_t i : group) {
      conts.emplace_back(requests[i].tokens.begin() + ctx, requests[i].tokens.end());
    }
    std::vector<int64_t> lengths;
    const at::Tensor cont = Pad(conts, 0, conts.size(), &lengths);
    const at::Tensor h = d.RunUnits(d.Embed(cont), 0, d.num_units(), mask, repl, ctx, &cache);
    // The last context position predicts continuation token 0; continuation position j predicts
    // token j+1.
    const at::Tensor last_ctx = hc.narrow(1, hc.size(1) - 1, 1).expand({n, 1, hc.size(2)});
    const at::Tensor logp = at::log_softmax(
        d.Head(at::cat({last_ctx, h.narrow(1, 0, cont.size(1) - 1)}, 1)), -1);  // [n, C, V]
    const at::Tensor picked = logp.gather(2, cont.to(logp.device()).unsqueeze(2)).squeeze(2);
    const at::Tensor greedy = logp.argmax(-1).to(at::kCPU).eq(cont);
    const at::Tensor picked_cpu = picked.to(at::kCPU, at::kDouble);
    for (int64_t b = 0; b < n; ++b) {
      ContinuationScore& score = (*out)[group[b]];
      score.tokens = static_cast<int>(lengths[b]);
      score.greedy = true;
      for (int64_t j = 0; j < lengths[b]; ++j) {
        score.logprob += picked_cpu[b][j].item<double>();
        score.greedy = score.greedy && greedy[b][j].item<bool>();
      }
    }
  }

  // Appends each mask's distances to the reference logits for the sequences of one batch.
  // Distances of each mask's logits from the reference's over one padded batch (the reference's
  // leaf comes first in the walk); returns the unit forwards.
  int64_t DistanceBatch(const at::Tensor& tokens, const std::vector<int64_t>& lengths,
                        const UnitMask& reference, const std::vector<UnitMask>& masks,
                        const ReplacementTensorMap& repl, bool prefix_reuse,
                        std::vector<DistanceResult>* out) const {
    const at::Tensor valid = ValidIndex(lengths, tokens.size(1));
    const int64_t vocab = decoder->config().vocab_size;
    std::vector<const UnitMask*> all = {&reference};
    for (const UnitMask& m : masks) all.push_back(&m);
    at::Tensor ref;  // [positions, vocab] fp32
    MaskTrie trie(*decoder, all, repl, [&](const at::Tensor& h, const std::vector<size_t>& group) {
      const at::Tensor logits = decoder->Head(h).reshape({-1, vocab}).index_select(0, valid);
      for (size_t i : group) {
        if (i == 0) {
          ref = logits;
          continue;
        }
        // [positions] fp64 on the CPU, the valid positions of each sequence in turn.
        const at::Tensor distance =
            (logits - ref).norm(2, 1).to(at::kCPU, at::kDouble).contiguous();
        const double* d = distance.data_ptr<double>();
        DistanceResult& result = (*out)[i - 1];
        for (int64_t length : lengths) {
          double sum = 0;
          for (int64_t t = 0; t < length; ++t) sum += *d++;
          result.sequence_distance.push_back(sum);
          result.sequence_positions.push_back(length);
          result.distance_sum += sum;
          result.positions += length;
        }
      }
    });
    return trie.Walk(decoder->Embed(tokens), prefix_reuse);
  }

  // The checks Loss and Losses share: every sequence has >= 2 tokens in the vocabulary, every
  // replacement fits the model.
  absl::Status CheckLossInputs(const TokenSequences& sequences,
                               const Replacements& replacements) const {
    for (size_t i = 0; i < sequences.size(); ++i) {
      DEPTHLAB_RETURN_IF_ERROR(CheckTokens(sequences[i]));
      if (sequences[i].size() < 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("sequence ", i, " has ", sequences[i].size(), " tokens; loss needs >= 2"));
      }
    }
    for (const auto& [unit, r] : replacements) {
      DEPTHLAB_RETURN_IF_ERROR(
          r.Validate(decoder->config().hidden_size, Unit::FromFlat(unit).ToString()));
    }
    return absl::OkStatus();
  }

  int32_t NextToken(const at::Tensor& h) const {
    const at::Tensor logits = decoder->Head(h.narrow(1, h.size(1) - 1, 1));  // [1, 1, V]
    return static_cast<int32_t>(logits.argmax(-1).item<int64_t>());
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (!std::filesystem::is_directory(options.model_dir)) {
    return absl::NotFoundError(absl::StrCat("model: ", options.model_dir,
                                            " is not a directory (expected a Hugging Face model "
                                            "directory with config.json)"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(ModelConfig config,
                            ModelConfig::FromFile(options.model_dir + "/config.json"));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  DEPTHLAB_ASSIGN_OR_RETURN(impl->tokenizer, Tokenizer::FromDirectory(options.model_dir));
  ConfigureProcess(options.num_threads);
  absl::Status loaded = Guarded([&]() -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(at::Device device, ChooseDevice(options.device));
    DEPTHLAB_ASSIGN_OR_RETURN(at::ScalarType dtype, ChooseDtype(options.dtype, device));
    DEPTHLAB_ASSIGN_OR_RETURN(ModelWeights weights,
                              LoadWeights(options.model_dir, config, dtype, device));
    DEPTHLAB_ASSIGN_OR_RETURN(impl->decoder, Decoder::Create(config, std::move(weights)));
    return absl::OkStatus();
  });
  DEPTHLAB_RETURN_IF_ERROR(loaded);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

const ModelConfig& Engine::config() const { return impl_->decoder->config(); }
const Tokenizer& Engine::tokenizer() const { return *impl_->tokenizer; }

std::string Engine::description() const {
  const at::Device device = impl_->decoder->device();
  const at::ScalarType dtype = impl_->decoder->dtype();
  const char* dtype_name = dtype == at::kFloat      ? "float32"
                           : dtype == at::kBFloat16 ? "bfloat16"
                                                    : "float16";
  return absl::StrCat(
      device.str(), " ", dtype_name,
      device.is_cpu() ? absl::StrCat(" (", at::get_num_threads(), " threads)") : "");
}

absl::StatusOr<LossResult> Engine::Loss(const TokenSequences& sequences, const UnitMask& mask,
                                        const Replacements& replacements) const {
  DEPTHLAB_ASSIGN_OR_RETURN(MaskLosses losses, Losses(sequences, {mask}, replacements));
  return std::move(losses.per_mask[0]);
}

absl::StatusOr<MaskLosses> Engine::Losses(const TokenSequences& sequences,
                                          const std::vector<UnitMask>& masks,
                                          const Replacements& replacements,
                                          const MaskSetOptions& options) const {
  for (const UnitMask& mask : masks) DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckLossInputs(sequences, replacements));
  return Guarded([&]() -> absl::StatusOr<MaskLosses> {
    const Decoder& d = *impl_->decoder;
    const ReplacementTensorMap repl = d.ToTensors(replacements);
    std::vector<const UnitMask*> pointers;
    for (const UnitMask& mask : masks) pointers.push_back(&mask);
    MaskLosses result;
    result.per_mask.resize(masks.size());
    const size_t step = static_cast<size_t>(std::max(1, impl_->options.max_batch));
    for (size_t begin = 0; begin < sequences.size(); begin += step) {
      const size_t end = std::min(sequences.size(), begin + step);
      std::vector<int64_t> lengths;
      const at::Tensor tokens = Impl::Pad(sequences, begin, end, &lengths);
      MaskTrie trie(d, pointers, repl, [&](const at::Tensor& h, const std::vector<size_t>& group) {
        const auto [nll_tensor, count_tensor] = d.SequenceLoss(h, tokens, lengths);
        const at::Tensor nll = nll_tensor.to(at::kCPU, at::kDouble).contiguous();
        const at::Tensor counts = count_tensor.to(at::kCPU, at::kLong).contiguous();
        for (size_t i : group) {
          LossResult& loss = result.per_mask[i];
          for (int64_t b = 0; b < nll.size(0); ++b) {
            loss.sequence_nll.push_back(nll.data_ptr<double>()[b]);
            loss.sequence_tokens.push_back(counts.data_ptr<int64_t>()[b]);
            loss.nll_sum += loss.sequence_nll.back();
            loss.tokens += loss.sequence_tokens.back();
          }
        }
      });
      result.unit_forwards += trie.Walk(d.Embed(tokens), options.prefix_reuse);
    }
    return result;
  });
}

absl::StatusOr<std::vector<float>> Engine::Logits(const std::vector<int32_t>& tokens,
                                                  const UnitMask& mask,
                                                  const Replacements& replacements) const {
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckTokens(tokens));
  if (tokens.empty()) return absl::InvalidArgumentError("logits: empty token sequence");
  return Guarded([&]() -> absl::StatusOr<std::vector<float>> {
    const Decoder& d = *impl_->decoder;
    std::vector<int64_t> lengths;
    const at::Tensor batch = Impl::Pad({tokens}, 0, 1, &lengths);
    const at::Tensor logits =
        d.Logits(batch, mask, d.ToTensors(replacements)).to(at::kCPU).contiguous();
    return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  });
}

absl::StatusOr<std::vector<ContinuationScore>> Engine::ScoreContinuations(
    const std::vector<ContinuationRequest>& requests, const UnitMask& mask,
    const Replacements& replacements, const ScoreOptions& options) const {
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  std::map<std::vector<int32_t>, std::vector<size_t>> groups;  // context -> requests
  for (size_t i = 0; i < requests.size(); ++i) {
    const ContinuationRequest& r = requests[i];
    DEPTHLAB_RETURN_IF_ERROR(impl_->CheckTokens(r.tokens));
    if (r.context_length < 1 || r.context_length >= static_cast<int>(r.tokens.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "continuation request ", i, ": context_length ", r.context_length,
          " must leave at least one context and one continuation token of ", r.tokens.size()));
    }
    groups[std::vector<int32_t>(r.tokens.begin(), r.tokens.begin() + r.context_length)].push_back(
        i);
  }
  const size_t shared = CommonContextPrefix(requests);
  if (options.shared_prefix > static_cast<int>(shared)) {
    return absl::InvalidArgumentError(
        absl::StrCat("score options: shared_prefix ", options.shared_prefix, " exceeds the ",
                     shared, " tokens that every request shares before its last context token"));
  }
  const size_t run_shared = options.shared_prefix >= 0 ? static_cast<size_t>(options.shared_prefix)
                            : groups.size() > 1 && shared >= kMinSharedPrefix ? shared
                                                                              : 0;
  return Guarded([&]() -> absl::StatusOr<std::vector<ContinuationScore>> {
    const ReplacementTensorMap repl = impl_->decoder->ToTensors(replacements);
    std::vector<ContinuationScore> scores(requests.size());
    KVCache prefix;
    if (run_shared > 0) impl_->Extend(requests[0].tokens, 0, run_shared, mask, repl, &prefix);
    for (const auto& [context, group] : groups) {
      impl_->ScoreGroup(requests, group, prefix, mask, repl, &scores);
    }
    return scores;
  });
}

absl::StatusOr<std::vector<int32_t>> Engine::Generate(const std::vector<int32_t>& prompt,
                                                      const UnitMask& mask,
                                                      const Replacements& replacements,
                                                      const GenerateOptions& options) const {
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckTokens(prompt));
  if (prompt.empty()) return absl::InvalidArgumentError("generate: empty prompt");
  return Guarded([&]() -> absl::StatusOr<std::vector<int32_t>> {
    const Decoder& d = *impl_->decoder;
    const ReplacementTensorMap repl = d.ToTensors(replacements);
    const std::optional<int32_t> eos = impl_->tokenizer->eos_id();
    std::vector<int32_t> all = prompt, generated;
    KVCache cache;
    at::Tensor h;
    for (int step = 0; step < options.max_new_tokens; ++step) {
      if (options.use_cache) {
        const int64_t start = cache.length;
        std::vector<int32_t> fresh(all.begin() + start, all.end());
        std::vector<int64_t> lengths;
        h = d.RunUnits(d.Embed(Impl::Pad({fresh}, 0, 1, &lengths)), 0, d.num_units(), mask, repl,
                       start, &cache);
        cache.length = static_cast<int64_t>(all.size());
      } else {
        std::vector<int64_t> lengths;
        h = d.RunUnits(d.Embed(Impl::Pad({all}, 0, 1, &lengths)), 0, d.num_units(), mask, repl);
      }
      const int32_t next = impl_->NextToken(h);
      generated.push_back(next);
      all.push_back(next);
      if (options.stop_at_eos && eos && next == *eos) break;
      if (options.stop && options.stop(generated)) break;
    }
    return generated;
  });
}

absl::StatusOr<MaskDistances> Engine::LogitDistances(const TokenSequences& sequences,
                                                     const UnitMask& reference,
                                                     const std::vector<UnitMask>& masks,
                                                     const Replacements& replacements,
                                                     const MaskSetOptions& options) const {
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(reference));
  for (const UnitMask& mask : masks) DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  size_t longest = 1;
  for (size_t i = 0; i < sequences.size(); ++i) {
    DEPTHLAB_RETURN_IF_ERROR(impl_->CheckTokens(sequences[i]));
    if (sequences[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("logit distance: sequence ", i, " is empty"));
    }
    longest = std::max(longest, sequences[i].size());
  }
  for (const auto& [unit, r] : replacements) {
    DEPTHLAB_RETURN_IF_ERROR(r.Validate(config().hidden_size, Unit::FromFlat(unit).ToString()));
  }
  return Guarded([&]() -> absl::StatusOr<MaskDistances> {
    const ReplacementTensorMap repl = impl_->decoder->ToTensors(replacements);
    const int64_t per_sequence = static_cast<int64_t>(longest) * config().vocab_size;
    const size_t step = static_cast<size_t>(std::max<int64_t>(
        1, std::min<int64_t>(impl_->options.max_batch, kMaxBatchLogits / per_sequence)));
    MaskDistances result;
    result.per_mask.resize(masks.size());
    for (size_t begin = 0; begin < sequences.size(); begin += step) {
      std::vector<int64_t> lengths;
      const at::Tensor tokens =
          Impl::Pad(sequences, begin, std::min(sequences.size(), begin + step), &lengths);
      result.unit_forwards += impl_->DistanceBatch(tokens, lengths, reference, masks, repl,
                                                   options.prefix_reuse, &result.per_mask);
    }
    return result;
  });
}

absl::StatusOr<InfluenceStatistics> Engine::Statistics(const TokenSequences& sequences,
                                                       const UnitMask& mask) const {
  DEPTHLAB_RETURN_IF_ERROR(impl_->CheckMask(mask));
  for (const auto& seq : sequences) DEPTHLAB_RETURN_IF_ERROR(impl_->CheckTokens(seq));
  return Guarded([&]() -> absl::StatusOr<InfluenceStatistics> {
    InfluenceStatistics stats =
        InfluenceStatistics::Empty(config().num_hidden_layers, config().hidden_size);
    const size_t step = static_cast<size_t>(std::max(1, impl_->options.max_batch));
    for (size_t begin = 0; begin < sequences.size(); begin += step) {
      const size_t end = std::min(sequences.size(), begin + step);
      std::vector<int64_t> lengths;
      const at::Tensor tokens = Impl::Pad(sequences, begin, end, &lengths);
      impl_->StatisticsBatch(tokens, lengths, mask, &stats);
    }
    return stats;
  });
}

}  // namespace depthlab::engine
