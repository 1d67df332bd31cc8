// The jobs over a calibration shard (proto/depthlab/v1/types.proto): influence statistics
// (JOB_KIND_PROFILE) and, per coalition mask, the summed next-token loss or the summed logit
// distance to the full model (JOB_KIND_COALITIONS). Each fills its JobResult fields and adds to
// unit_forwards (sequences x kept units run) and tokens (tokens through the model).
//
// Loss and distance run the sequence list in batches aligned to multiples of `batch` (the
// engine's max_batch), so a sequence is always computed in the same batch and shards add up to
// the whole exactly (batch shapes change results at float rounding); a shard that cuts a batch
// also runs that batch's other sequences and discards them.
//
// All of a job's masks run together over each batch: with prefix reuse (engine::MaskSetOptions)
// masks that agree on their first units share them, and unit_forwards counts what actually ran.
#ifndef DEPTHLAB_WORKER_RUNNER_CALIBRATION_JOBS_H_
#define DEPTHLAB_WORKER_RUNNER_CALIBRATION_JOBS_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "depthlab/v1/types.pb.h"
#include "worker/engine/engine.h"
#include "worker/runner/calibration_data.h"
#include "worker/runner/masks.h"

namespace depthlab::worker::runner {

// sublayer_sums (2L, flat order) and block_sums (L) of Engine::Statistics under `mask` over the
// shard's sequences.
absl::Status ProfileShard(const engine::Engine& engine, const SequenceShard& shard,
                          const engine::UnitMask& mask, v1::JobResult* result);

// One MaskValue per mask: sum = NLL sum, count = predicted tokens. Cancelled once `should_stop`.
absl::Status LossValues(const engine::Engine& engine, const SequenceShard& shard, int batch,
                        const std::vector<NamedMask>& masks, const engine::MaskSetOptions& options,
                        const std::function<bool()>& should_stop, v1::JobResult* result);

// One MaskValue per mask: sum = summed per-position L2 distance between its logits and the full
// model's, count = positions. The full model runs once per batch. Cancelled once `should_stop`.
absl::Status DistanceValues(const engine::Engine& engine, const SequenceShard& shard, int batch,
                            const std::vector<NamedMask>& masks,
                            const engine::MaskSetOptions& options,
                            const std::function<bool()>& should_stop, v1::JobResult* result);

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_CALIBRATION_JOBS_H_
