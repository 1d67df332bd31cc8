#include "worker/runner/masks.h"

#include "absl/strings/str_cat.h"

namespace depthlab::worker::runner {

absl::StatusOr<engine::UnitMask> ParseMask(const std::string& bits, int num_layers,
                                           const std::string& what) {
  const size_t units = 2 * static_cast<size_t>(num_layers);
  if (bits.size() != units) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", bits.substr(0, 80), bits.size() > 80 ? "..." : "", "' has ",
                     bits.size(), " characters; the model has ", units, " units (", num_layers,
                     " layers, attn and mlp each; one '1' kept / '0' removed per unit)"));
  }
  engine::UnitMask mask = engine::UnitMask::AllKept(num_layers);
  for (size_t i = 0; i < units; ++i) {
    if (bits[i] != '0' && bits[i] != '1') {
      return absl::InvalidArgumentError(absl::StrCat(what, ": character ", i, " is '",
                                                     bits.substr(i, 1),
                                                     "'; expected '1' (kept) or '0' (removed)"));
    }
    mask.set_flat(static_cast<int>(i), bits[i] == '1');
  }
  return mask;
}

int KeptUnits(const engine::UnitMask& mask) { return mask.num_units() - mask.num_removed(); }

}  // namespace depthlab::worker::runner
