// JobSpec masks (proto/depthlab/v1/types.proto): one character per unit in the paper's flat order
// (2i = attn[i], 2i+1 = mlp[i]), '1' kept and '0' removed, as engine unit masks.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(UnitMask mask, ParseMask("110111", 3, "masks[0]"));
#ifndef DEPTHLAB_WORKER_RUNNER_MASKS_H_
#define DEPTHLAB_WORKER_RUNNER_MASKS_H_

#include <string>

#include "absl/status/statusor.h"
#include "worker/engine/unit_mask.h"

namespace depthlab::worker::runner {

// A JobSpec mask and its parse.
struct NamedMask {
  std::string bits;  // as in the JobSpec
  engine::UnitMask mask;
};

// InvalidArgument naming `what` (e.g. "masks[2]") unless `bits` has 2 * num_layers characters,
// each '0' or '1'.
absl::StatusOr<engine::UnitMask> ParseMask(const std::string& bits, int num_layers,
                                           const std::string& what);

// Units the mask keeps.
int KeptUnits(const engine::UnitMask& mask);

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_MASKS_H_
