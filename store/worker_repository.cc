#include "store/worker_repository.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kSelect[] =
    "SELECT id, name, address, registered_at, last_heartbeat_at, state FROM workers ";

absl::Status NotRegistered(absl::string_view worker_id) {
  return absl::NotFoundError(
      absl::StrCat("workers: worker ", worker_id, " is not registered (register it again)"));
}

absl::Status LoadModels(Transaction& tx, WorkerRow& worker) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT model_hash FROM worker_models WHERE worker_id = ?1 "
                                       "ORDER BY model_hash"));
  st.BindText(1, worker.id);
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return absl::OkStatus();
    worker.models.push_back(st.ColumnText(0));
  }
}

absl::StatusOr<std::vector<WorkerRow>> ReadWorkers(Transaction& tx, Statement& st) {
  std::vector<WorkerRow> workers;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    WorkerRow worker;
    worker.id = st.ColumnText(0);
    worker.name = st.ColumnText(1);
    worker.address = st.ColumnText(2);
    worker.registered_at = st.ColumnTime(3);
    worker.last_heartbeat_at = st.ColumnTime(4);
    DEPTHLAB_ASSIGN_OR_RETURN(worker.state, ParseWorkerState(st.ColumnText(5)));
    workers.push_back(std::move(worker));
  }
  for (WorkerRow& worker : workers) DEPTHLAB_RETURN_IF_ERROR(LoadModels(tx, worker));
  return workers;
}

absl::StatusOr<WorkerRow> GetWorker(Transaction& tx, absl::string_view worker_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE id = ?1")));
  st.BindText(1, worker_id);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<WorkerRow> workers, ReadWorkers(tx, st));
  if (workers.empty()) return NotRegistered(worker_id);
  return std::move(workers.front());
}

absl::Status ReplaceModels(Transaction& tx, absl::string_view worker_id,
                           const std::vector<std::string>& models) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement clear,
                            tx.Prepare("DELETE FROM worker_models WHERE worker_id = ?1"));
  clear.BindText(1, worker_id);
  DEPTHLAB_RETURN_IF_ERROR(clear.Run());
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement add, tx.Prepare("INSERT OR IGNORE INTO worker_models (worker_id, model_hash) "
                                "VALUES (?1, ?2)"));
  for (const std::string& model : models) {
    if (model.empty()) return absl::InvalidArgumentError("workers.models: empty model hash");
    add.BindText(1, worker_id).BindText(2, model);
    DEPTHLAB_RETURN_IF_ERROR(add.Run());
    DEPTHLAB_RETURN_IF_ERROR(add.Reset());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WorkerRow> WorkerRepository::Register(const WorkerRow& worker, absl::Time now) {
  if (worker.id.empty()) return absl::InvalidArgumentError("workers.id: empty");
  return store_.Transact<WorkerRow>([&](Transaction& tx) -> absl::StatusOr<WorkerRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare("INSERT INTO workers (id, name, address, registered_at, last_heartbeat_at, "
                   "state) VALUES (?1, ?2, ?3, ?4, ?4, 'ACTIVE') ON CONFLICT (id) DO UPDATE SET "
                   "name = excluded.name, address = excluded.address, "
                   "registered_at = excluded.registered_at, "
                   "last_heartbeat_at = excluded.last_heartbeat_at, state = 'ACTIVE'"));
    st.BindText(1, worker.id).BindText(2, worker.name).BindText(3, worker.address);
    st.BindTime(4, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    DEPTHLAB_RETURN_IF_ERROR(ReplaceModels(tx, worker.id, worker.models));
    return GetWorker(tx, worker.id);
  });
}

absl::Status WorkerRepository::Heartbeat(absl::string_view worker_id, absl::Time now) {
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st, tx.Prepare("UPDATE workers SET last_heartbeat_at = ?2, state = 'ACTIVE' "
                                 "WHERE id = ?1"));
    st.BindText(1, worker_id).BindTime(2, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    return tx.Changes() == 0 ? NotRegistered(worker_id) : absl::OkStatus();
  });
}

absl::Status WorkerRepository::SetModels(absl::string_view worker_id,
                                         const std::vector<std::string>& models) {
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_RETURN_IF_ERROR(GetWorker(tx, worker_id).status());
    return ReplaceModels(tx, worker_id, models);
  });
}

absl::StatusOr<WorkerRow> WorkerRepository::Get(absl::string_view worker_id) {
  return store_.Transact<WorkerRow>([&](Transaction& tx) { return GetWorker(tx, worker_id); });
}

absl::StatusOr<std::vector<WorkerRow>> WorkerRepository::ListActive() {
  return store_.Transact<std::vector<WorkerRow>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<WorkerRow>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE state = 'ACTIVE' ORDER BY id")));
        return ReadWorkers(tx, st);
      });
}

absl::StatusOr<std::vector<std::string>> WorkerRepository::MarkGone(absl::Duration timeout,
                                                                    absl::Time now) {
  return store_.Transact<std::vector<std::string>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<std::string>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st, tx.Prepare("UPDATE workers SET state = 'GONE' WHERE state = 'ACTIVE' AND "
                                     "last_heartbeat_at <= ?1 RETURNING id"));
        st.BindTime(1, now - timeout);
        std::vector<std::string> gone;
        while (true) {
          DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
          if (!row) break;
          gone.push_back(st.ColumnText(0));
        }
        std::sort(gone.begin(), gone.end());
        return gone;
      });
}

}  // namespace depthlab::store
