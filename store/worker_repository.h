// Workers that have registered with the coordinator: where they listen, which models they hold
// (for lease affinity) and when they last heartbeated. A worker silent for longer than a timeout
// is marked GONE; its leases run out on their own (JobRepository::ExpireLeases).
#ifndef DEPTHLAB_STORE_WORKER_REPOSITORY_H_
#define DEPTHLAB_STORE_WORKER_REPOSITORY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/store.h"
#include "store/types.h"

namespace depthlab::store {

struct WorkerRow {
  std::string id;  // chosen by the worker, stable across its restarts (non-empty)
  std::string name;
  std::string address;
  std::vector<std::string> models;  // content hashes of the models it holds, sorted
  absl::Time registered_at;
  absl::Time last_heartbeat_at;
  WorkerState state = WorkerState::kActive;
};

// Thread-safe (as Store). Keeps a reference to `store`, which must outlive it.
class WorkerRepository {
 public:
  explicit WorkerRepository(Store& store) : store_(store) {}

  // Inserts or replaces the worker (id, name, address, models) as ACTIVE, registered and
  // heartbeating at `now`. Returns the stored row. InvalidArgument for an empty id.
  absl::StatusOr<WorkerRow> Register(const WorkerRow& worker, absl::Time now);

  // Records a heartbeat (a GONE worker becomes ACTIVE again). NotFound for an unregistered worker
  // (it should register again).
  absl::Status Heartbeat(absl::string_view worker_id, absl::Time now);
  // Replaces the models the worker holds. NotFound for an unregistered worker.
  absl::Status SetModels(absl::string_view worker_id, const std::vector<std::string>& models);

  // NotFound when absent.
  absl::StatusOr<WorkerRow> Get(absl::string_view worker_id);
  // ACTIVE workers by id.
  absl::StatusOr<std::vector<WorkerRow>> ListActive();
  // Marks GONE every ACTIVE worker whose last heartbeat is at or before now - timeout; returns
  // their ids, sorted.
  absl::StatusOr<std::vector<std::string>> MarkGone(absl::Duration timeout, absl::Time now);

 private:
  Store& store_;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_WORKER_REPOSITORY_H_
