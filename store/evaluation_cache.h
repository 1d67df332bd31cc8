// The evaluation cache: the value of one evaluation key (model, dataset shard, mask, replacement,
// value kind, code version), stored once and shared by every sweep. Evaluations are deterministic,
// so the first stored value wins and later writes of the same key are no-ops.
#ifndef DEPTHLAB_STORE_EVALUATION_CACHE_H_
#define DEPTHLAB_STORE_EVALUATION_CACHE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace depthlab::store {

struct EvaluationRow {
  std::string key;  // the evaluation key hash (non-empty); the columns below are its parts
  std::string model_hash;
  std::string dataset_hash;
  int shard = 0;
  std::string mask;  // e.g. "1101..." over units
  std::string replacement_hash;
  std::string value_kind;
  std::string code_version;
  std::string result;     // the value (opaque bytes)
  absl::Time created_at;  // assigned by the store
};

struct PutEvaluationResult {
  EvaluationRow stored;   // the row now in the cache (the earlier one when !inserted)
  bool inserted = false;  // false: the key was already cached; `stored` is unchanged
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class EvaluationCache {
 public:
  explicit EvaluationCache(Store& store) : store_(store) {}

  // The cached row, or nullopt.
  absl::StatusOr<std::optional<EvaluationRow>> Get(absl::string_view key);
  // The cached rows among `keys`, in the order of `keys` (absent keys are skipped).
  absl::StatusOr<std::vector<EvaluationRow>> GetMany(const std::vector<std::string>& keys);
  // Caches `row` unless its key is already cached (first writer wins). InvalidArgument for an
  // empty key.
  absl::StatusOr<PutEvaluationResult> Put(const EvaluationRow& row, absl::Time now);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_EVALUATION_CACHE_H_
