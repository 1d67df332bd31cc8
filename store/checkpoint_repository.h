// Pruned-checkpoint recipes: a base model, the units removed and the recovery tensors that stand
// in for them (a blob, with its sha256). A Hugging Face directory is materialised from a recipe on
// request, so the store never holds full model weights.
#ifndef DEPTHLAB_STORE_CHECKPOINT_REPOSITORY_H_
#define DEPTHLAB_STORE_CHECKPOINT_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace depthlab::store {

struct CheckpointRow {
  int64_t id = 0;                   // assigned by the store
  std::optional<int64_t> sweep_id;  // the sweep that produced it, if any
  std::string base_model_hash;      // non-empty
  std::string granularity;          // "block" or "layer"
  std::string removed_units;        // e.g. "attn[3],mlp[3]"
  std::string recovery;             // "none", "mean", "lowrank", ...
  std::string tensors;              // serialized recovery tensors (opaque bytes)
  std::string sha256;               // of `tensors`, computed by the caller
  absl::Time created_at;            // assigned by the store
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class CheckpointRepository {
 public:
  explicit CheckpointRepository(Store& store) : store_(store) {}

  // Stores a recipe and returns its id. InvalidArgument on an empty base_model_hash or an
  // unknown sweep_id.
  absl::StatusOr<int64_t> Put(const CheckpointRow& checkpoint, absl::Time now);
  // NotFound when absent.
  absl::StatusOr<CheckpointRow> Get(int64_t id);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_CHECKPOINT_REPOSITORY_H_
