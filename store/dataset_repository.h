// Datasets the coordinator has seen (calibration text and benchmark sets), keyed by content hash
// like models, so cached evaluations and curves name the exact data they used.
#ifndef DEPTHLAB_STORE_DATASET_REPOSITORY_H_
#define DEPTHLAB_STORE_DATASET_REPOSITORY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace depthlab::store {

struct DatasetRow {
  int64_t id = 0;            // assigned by the store
  std::string content_hash;  // unique, non-empty
  std::string kind;          // "calibration", "mmlu", "arc", "boolq", "gsm8k", ... (non-empty)
  std::string path;          // where the coordinator last saw it
  absl::Time created_at;     // assigned by the store
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class DatasetRepository {
 public:
  explicit DatasetRepository(Store& store) : store_(store) {}

  // Inserts the dataset, or, when its content_hash is known, records its new path. Returns the
  // stored row. InvalidArgument when the hash or kind is empty, or the stored kind differs.
  absl::StatusOr<DatasetRow> Upsert(const DatasetRow& dataset, absl::Time now);

  // NotFound when absent.
  absl::StatusOr<DatasetRow> Get(int64_t id);
  absl::StatusOr<DatasetRow> GetByHash(absl::string_view content_hash);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_DATASET_REPOSITORY_H_
