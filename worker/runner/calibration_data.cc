#include "worker/runner/calibration_data.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/task_data.h"
#include "worker/engine/corpus.h"

namespace depthlab::worker::runner {

std::string CalibrationParams::Key() const {
  return absl::StrCat(path, "\n", seq_len, "\n", held_out_fraction, "\n", seed);
}

absl::StatusOr<CalibrationParams> ResolveCalibration(const v1::CalibrationSpec& spec) {
  if (spec.path().empty()) {
    return absl::InvalidArgumentError(
        "calibration.path: empty (expected a JSONL {\"text\": ...} or plain-text file)");
  }
  if (spec.seq_len() < 0 || spec.max_sequences() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("calibration: seq_len (", spec.seq_len(),
                                                   ") and max_sequences (", spec.max_sequences(),
                                                   ") must be >= 0 (0 = default)"));
  }
  if (!(spec.held_out_fraction() >= 0 && spec.held_out_fraction() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("calibration.held_out_fraction: ", spec.held_out_fraction(),
                     " is outside [0, 1] (0 = the default 0.5)"));
  }
  CalibrationParams params;
  params.path = spec.path();
  params.seq_len = spec.seq_len() > 0 ? spec.seq_len() : 128;
  params.held_out_fraction = spec.held_out_fraction() > 0 ? spec.held_out_fraction() : 0.5;
  params.seed = spec.seed();
  return params;
}

absl::StatusOr<CalibrationSplit> LoadCalibrationSplit(const engine::Tokenizer& tokenizer,
                                                      const CalibrationParams& params) {
  DEPTHLAB_ASSIGN_OR_RETURN(const std::vector<std::string> documents,
                            engine::LoadDocuments(params.path));
  DEPTHLAB_ASSIGN_OR_RETURN(engine::TokenSequences sequences,
                            engine::PackSequences(tokenizer, documents, params.seq_len, 0));
  if (sequences.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(params.path, ": packs into no sequence of ",
                                                   params.seq_len,
                                                   " tokens (use a longer file or a shorter "
                                                   "calibration.seq_len)"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(const tasks::SequenceSplit split,
                            tasks::SplitHeldOut(static_cast<int>(sequences.size()),
                                                params.held_out_fraction, params.seed));
  CalibrationSplit out;
  for (int i : split.calibration) out.calibration.push_back(std::move(sequences[i]));
  for (int i : split.held_out) out.held_out.push_back(std::move(sequences[i]));
  return out;
}

engine::TokenSequences SequenceShard::Sequences() const {
  return engine::TokenSequences(list->begin() + begin, list->begin() + end);
}

absl::StatusOr<SequenceShard> SelectShard(const CalibrationSplit& split,
                                          const v1::CalibrationShard& shard) {
  if (shard.first_sequence() < 0 || shard.num_sequences() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("calibration shard: first_sequence (",
                                                   shard.first_sequence(), ") and num_sequences (",
                                                   shard.num_sequences(), ") must be >= 0"));
  }
  SequenceShard out;
  out.list = &split.calibration;
  out.list_size = split.calibration.size();
  const int max_sequences = shard.calibration().max_sequences();
  if (max_sequences > 0)
    out.list_size = std::min(out.list_size, static_cast<size_t>(max_sequences));
  out.begin = std::min(out.list_size, static_cast<size_t>(shard.first_sequence()));
  out.end = std::min(out.list_size, out.begin + static_cast<size_t>(shard.num_sequences()));
  return out;
}

}  // namespace depthlab::worker::runner
