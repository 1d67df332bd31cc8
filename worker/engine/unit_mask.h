// Units, masks and granularities (METHODS.md §1). Decoder layer i has two prunable units, attn[i]
// and mlp[i]; flat index 2i is attention and 2i+1 the MLP (the paper's sub-layer order).
//
//   UnitMask mask = UnitMask::AllKept(config.num_hidden_layers);
//   DEPTHLAB_RETURN_IF_ERROR(mask.ApplyRemovals("block:2,attn:5"));
#ifndef DEPTHLAB_WORKER_ENGINE_UNIT_MASK_H_
#define DEPTHLAB_WORKER_ENGINE_UNIT_MASK_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace depthlab::engine {

enum class UnitKind { kAttention = 0, kMlp = 1 };

struct Unit {
  int layer = 0;
  UnitKind kind = UnitKind::kAttention;

  int flat_index() const { return 2 * layer + static_cast<int>(kind); }
  static Unit FromFlat(int flat) { return {flat / 2, static_cast<UnitKind>(flat % 2)}; }
  // "attn:3" or "mlp:3".
  std::string ToString() const;
  bool operator==(const Unit& o) const { return layer == o.layer && kind == o.kind; }
};

// Which units are players: blocks (attn+mlp together), attention only, MLP only, or all 2L units.
enum class Granularity { kBlock, kAttention, kMlp, kSublayer };

absl::StatusOr<Granularity> ParseGranularity(std::string_view name);
std::string GranularityName(Granularity g);

// A set of kept units over a model with `num_layers` decoder layers. Value type; thread-compatible.
class UnitMask {
 public:
  UnitMask() = default;
  static UnitMask AllKept(int num_layers);

  int num_layers() const { return static_cast<int>(kept_.size() / 2); }
  int num_units() const { return static_cast<int>(kept_.size()); }
  bool kept(Unit u) const { return kept_[u.flat_index()]; }
  bool kept_flat(int flat) const { return kept_[flat]; }
  void set_flat(int flat, bool keep) { kept_[flat] = keep; }
  void Remove(Unit u) { kept_[u.flat_index()] = false; }
  void RemoveBlock(int layer) { kept_[2 * layer] = kept_[2 * layer + 1] = false; }
  int num_removed() const;
  bool all_kept() const { return num_removed() == 0; }

  // Applies a comma-separated removal list such as "block:2,attn:1,mlp:3" (also "block:2-4").
  // Errors name the offending item and the valid range.
  absl::Status ApplyRemovals(std::string_view spec);

  // Removed units as "block:2,attn:5" (blocks where both units are gone), "" when all kept.
  std::string RemovedString() const;
  // One character per unit in flat order, '1' kept, '0' removed.
  std::string BitString() const;

  bool operator==(const UnitMask& o) const { return kept_ == o.kept_; }
  bool operator!=(const UnitMask& o) const { return !(*this == o); }

 private:
  std::vector<bool> kept_;
};

}  // namespace depthlab::engine

#endif  // DEPTHLAB_WORKER_ENGINE_UNIT_MASK_H_
