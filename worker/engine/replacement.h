// What stands in for a removed unit (METHODS.md §6): nothing, an additive vector (the emulated
// mean update), or a low-rank adapter h -> h + B·A·h + b. Torch-free value types; row-major.
#ifndef DEPTHLAB_WORKER_ENGINE_REPLACEMENT_H_
#define DEPTHLAB_WORKER_ENGINE_REPLACEMENT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace depthlab::engine {

struct Replacement {
  enum class Kind { kNone, kAdditive, kLowRank };
  Kind kind = Kind::kNone;
  std::vector<float> vector;  // [hidden]: the additive update, or the adapter bias b
  int rank = 0;
  std::vector<float> a;  // [rank, hidden] (low rank only)
  std::vector<float> b;  // [hidden, rank] (low rank only)

  static Replacement Additive(std::vector<float> v);
  static Replacement LowRank(int rank, std::vector<float> a, std::vector<float> b,
                             std::vector<float> bias);
  // InvalidArgument naming `unit` if sizes do not match `hidden`.
  absl::Status Validate(int hidden, const std::string& unit) const;
};

// Keyed by flat unit index; consulted only for units the mask removes.
using Replacements = std::map<int, Replacement>;

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_REPLACEMENT_H_
