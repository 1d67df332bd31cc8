#include "tests/testing/block_game.h"

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/shapley/estimator_options.h"
#include "worker/engine/engine.h"
#include "worker/engine/unit_mask.h"
#include "worker/runner/calibration_data.h"

namespace depthlab::testing {
namespace {

// At block granularity a removed player removes both of its units, attn[b] and mlp[b].
engine::UnitMask KeptBlocks(const shapley::Coalition& kept) {
  engine::UnitMask mask = engine::UnitMask::AllKept(kept.num_players());
  for (int b = 0; b < kept.num_players(); ++b) {
    if (!kept.Contains(b)) mask.RemoveBlock(b);
  }
  return mask;
}

absl::StatusOr<engine::TokenSequences> LoadSequences(const engine::Tokenizer& tokenizer,
                                                     const BlockGameOptions& options) {
  worker::runner::CalibrationParams params;
  params.path = options.calibration_path;
  params.seq_len = options.seq_len;
  DEPTHLAB_ASSIGN_OR_RETURN(worker::runner::CalibrationSplit split,
                            worker::runner::LoadCalibrationSplit(tokenizer, params));
  if (split.calibration.size() < static_cast<size_t>(options.num_sequences)) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.calibration_path, ": its calibration split has ",
                     split.calibration.size(), " sequences of ", options.seq_len,
                     " tokens; the block game needs ", options.num_sequences));
  }
  split.calibration.resize(options.num_sequences);
  return std::move(split.calibration);
}

}  // namespace

shapley::games::Game BlockGame::AsGame() const {
  return {num_blocks, [this](const shapley::Coalition& kept) { return Value(kept); }};
}

absl::StatusOr<BlockGame> EvaluateBlockGame(const BlockGameOptions& options) {
  engine::EngineOptions engine_options;
  engine_options.model_dir = options.model_dir;
  engine_options.device = options.device;
  engine_options.dtype = options.dtype;
  engine_options.num_threads = options.num_threads;
  engine_options.max_batch = options.num_sequences;  // every sequence in one batch
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine,
                            engine::Engine::Create(engine_options));
  const int n = engine->config().num_hidden_layers;
  if (n > shapley::kMaxExactPlayers) {
    return absl::InvalidArgumentError(absl::StrCat(options.model_dir, ": ", n,
                                                   " blocks; exact Shapley values need at most ",
                                                   shapley::kMaxExactPlayers));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const engine::TokenSequences sequences,
                            LoadSequences(engine->tokenizer(), options));

  BlockGame game;
  game.num_blocks = n;
  game.engine = engine->description();
  game.values.resize(size_t{1} << n);
  const auto start = std::chrono::steady_clock::now();
  // One call for all coalitions: the engine shares the blocks that masks agree on first (its mask
  // trie), bit-identical to valuing each coalition alone, as workers do for a coalition job.
  std::vector<engine::UnitMask> masks;
  for (uint64_t mask = 0; mask < game.values.size(); ++mask) {
    masks.push_back(KeptBlocks(shapley::Coalition::FromMask(n, mask)));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const engine::MaskLosses losses, engine->Losses(sequences, masks, {}));
  for (uint64_t mask = 0; mask < game.values.size(); ++mask) {
    const engine::LossResult& loss = losses.per_mask[mask];
    // The loss value of METHODS.md §3, v(S) = -mean NLL per predicted token.
    game.values[mask] = -loss.nll_sum / static_cast<double>(loss.tokens);
    game.tokens = loss.tokens;
  }
  game.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return game;
}

}  // namespace depthlab::testing
