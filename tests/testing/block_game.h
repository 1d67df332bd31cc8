// The block game of a model, tabulated: players are its decoder blocks and v(S) is the loss value
// of METHODS.md §3 with only the blocks in S kept, v(S) = -(summed next-token NLL / predicted
// tokens) on a fixed set of calibration sequences, as the coordinator forms it from a worker's
// sums (sweeps::CoalitionValues). Every one of the 2^L coalitions is valued once, so the table is
// an exact, free oracle for checking Shapley estimators on a real model (shapley_validation_test,
// shapley_validation_bench).
//
//   DEPTHLAB_ASSIGN_OR_RETURN(BlockGame game, EvaluateBlockGame({.model_dir = "models/tiny",
//                                              .calibration_path =
//                                              "data/calibration/test.jsonl"}));
//   double v = game.Value(Coalition::Full(game.num_blocks).Without(3));
#ifndef DEPTHLAB_TESTS_TESTING_BLOCK_GAME_H_
#define DEPTHLAB_TESTS_TESTING_BLOCK_GAME_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/shapley/coalition.h"
#include "coordinator/shapley/testing/games.h"

namespace depthlab::testing {

struct BlockGameOptions {
  std::string model_dir;         // a Hugging Face model directory
  std::string calibration_path;  // JSONL {"text": ...} or plain text
  // The sequences: the first `num_sequences` of the calibration split that a sweep with this
  // calibration spec would use (worker::runner::LoadCalibrationSplit; seed 0, half held out).
  int seq_len = 64;
  int num_sequences = 16;
  // Engine settings (EngineOptions). fp32 by default: the values of neighbouring coalitions
  // differ by little, and the validation should measure the estimators, not rounding.
  std::string device = "auto";
  std::string dtype = "float32";
  // One intra-op thread: the CPU table does not depend on the core count, and libtorch's spinning
  // threads slow down several-fold when another process keeps the cores busy (measured beside a
  // training job on 2 cores: 37 s on one thread, 225 s on two).
  int num_threads = 1;
};

// Value type. Thread-compatible.
struct BlockGame {
  int num_blocks = 0;
  std::vector<double> values;  // v(S), indexed by S.ToMask() (bit b set = block b kept)
  int64_t tokens = 0;          // predicted tokens behind each value
  std::string engine;          // the engine's description, e.g. "cpu float32 (2 threads)"
  double seconds = 0;          // wall time of the 2^L evaluations

  // REQUIRES: kept.num_players() == num_blocks.
  double Value(const shapley::Coalition& kept) const { return values[kept.ToMask()]; }
  // The table as a test game (coordinator/shapley/testing/games.h). Refers to *this, which must
  // outlive it.
  shapley::games::Game AsGame() const;
};

// Loads the model and the sequences and values all 2^L coalitions. InvalidArgument when the model
// has more than kMaxExactPlayers blocks or the calibration text yields fewer than num_sequences
// sequences; engine and file errors as they come.
absl::StatusOr<BlockGame> EvaluateBlockGame(const BlockGameOptions& options);

}  // namespace depthlab::testing

#endif  // DEPTHLAB_TESTS_TESTING_BLOCK_GAME_H_
