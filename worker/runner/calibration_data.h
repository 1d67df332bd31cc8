// The calibration text of a CalibrationSpec (proto/depthlab/v1/types.proto) as packed token
// sequences, split by seed into the calibration list (statistics, loss and logit-distance values)
// and the held-out list (perplexity), and the selection of one CalibrationShard from it.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(CalibrationParams params, ResolveCalibration(spec));
//   DEPTHLAB_ASSIGN_OR_RETURN(CalibrationSplit split, LoadCalibrationSplit(tokenizer, params));
//   DEPTHLAB_ASSIGN_OR_RETURN(SequenceShard shard, SelectShard(split, job.calibration()));
#ifndef DEPTHLAB_WORKER_RUNNER_CALIBRATION_DATA_H_
#define DEPTHLAB_WORKER_RUNNER_CALIBRATION_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "depthlab/v1/types.pb.h"
#include "worker/engine/engine.h"
#include "worker/engine/tokenizer.h"

namespace depthlab::worker::runner {

// A CalibrationSpec with its defaults applied (seq_len 0 -> 128, held_out_fraction 0 -> 0.5).
struct CalibrationParams {
  std::string path;
  int seq_len = 128;
  double held_out_fraction = 0.5;
  uint64_t seed = 0;

  // Identifies the split (cache key); max_sequences is not part of it.
  std::string Key() const;
};

// InvalidArgument for an empty path, a negative seq_len or a fraction outside [0, 1].
absl::StatusOr<CalibrationParams> ResolveCalibration(const v1::CalibrationSpec& spec);

struct CalibrationSplit {
  engine::TokenSequences calibration;  // ascending sequence index (SplitHeldOut's order)
  engine::TokenSequences held_out;
};

// LoadDocuments(path), PackSequences(tokenizer, docs, seq_len, 0), then SplitHeldOut(n,
// held_out_fraction, seed): the file's errors, or InvalidArgument when it packs into no sequence.
absl::StatusOr<CalibrationSplit> LoadCalibrationSplit(const engine::Tokenizer& tokenizer,
                                                      const CalibrationParams& params);

// Positions [begin, end) of the first list_size sequences of `list`, the list that shards cut
// (kept whole so that batches can be aligned to it).
struct SequenceShard {
  const engine::TokenSequences* list = nullptr;  // not owned
  size_t list_size = 0;
  size_t begin = 0;
  size_t end = 0;

  engine::TokenSequences Sequences() const;  // a copy of [begin, end)
  size_t size() const { return end - begin; }
};

// Positions [first_sequence, first_sequence + num_sequences) of the calibration list cut to its
// first max_sequences (0 = all); positions past the end are absent, so a shard may be empty.
// InvalidArgument for negative fields. The shard refers to `split`, which must outlive it.
absl::StatusOr<SequenceShard> SelectShard(const CalibrationSplit& split,
                                          const v1::CalibrationShard& shard);

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_CALIBRATION_DATA_H_
