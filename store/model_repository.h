// Models the coordinator has seen, keyed by content hash (the hash of the checkpoint's files), so
// sweeps, cached evaluations and curves can refer to a model independently of where it lives.
#ifndef DEPTHLAB_STORE_MODEL_REPOSITORY_H_
#define DEPTHLAB_STORE_MODEL_REPOSITORY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace depthlab::store {

struct ModelRow {
  int64_t id = 0;            // assigned by the store
  std::string content_hash;  // unique, non-empty
  std::string path;          // where the coordinator last saw it
  std::string model_type;    // config.json "model_type", e.g. "llama"
  int num_layers = 0;
  absl::Time created_at;  // assigned by the store
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class ModelRepository {
 public:
  explicit ModelRepository(Store& store) : store_(store) {}

  // Inserts the model, or, when its content_hash is known, records its new path. Returns the
  // stored row. InvalidArgument when the hash is empty or the stored model_type / num_layers
  // differ (same content cannot have another architecture).
  absl::StatusOr<ModelRow> Upsert(const ModelRow& model, absl::Time now);

  // NotFound when absent.
  absl::StatusOr<ModelRow> Get(int64_t id);
  absl::StatusOr<ModelRow> GetByHash(absl::string_view content_hash);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_MODEL_REPOSITORY_H_
