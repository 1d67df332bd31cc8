// The coordinator's SQLite database: one connection, opened in WAL mode with foreign keys on and
// the schema migrated to the latest version. All access goes through transactions; the typed
// repositories (sweep_repository.h, job_repository.h, ...) wrap the SQL.
//
//   StoreOptions options;
//   options.path = "/data/depthlab.db";
//   DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options));
//   SweepRepository sweeps(*store);
//   StageRepository stages(*store);
//   // Several repository calls as one atomic change:
//   DEPTHLAB_RETURN_IF_ERROR(store->RunInTransaction([&](Transaction&) -> absl::Status {
//     DEPTHLAB_ASSIGN_OR_RETURN(CreateSweepResult sweep, sweeps.Create(new_sweep, now));
//     return stages.Add(sweep.sweep.id, first_stages, now).status();
//   }));
#ifndef DEPTHLAB_STORE_STORE_H_
#define DEPTHLAB_STORE_STORE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "store/transaction.h"

struct sqlite3;

namespace depthlab::store {

struct StoreOptions {
  // The database file, created (with its directory's WAL side files) if missing; ":memory:" for a
  // private in-memory database (tests).
  std::string path;
  // How long a statement waits for another connection's lock before failing with Unavailable.
  absl::Duration busy_timeout = absl::Seconds(5);
};

// Thread-safe. One SQLite connection guarded by a mutex: transactions from different threads run
// one after another. RunInTransaction called again by the thread already inside one joins it as a
// nested SAVEPOINT, so repository methods (each atomic on its own) compose into one atomic change.
// REQUIRES: code inside a transaction never waits for another thread that uses this Store (that
// thread would block on the lock).
class Store {
 public:
  // Opens (creating if needed) and migrates the database. FailedPrecondition naming the path when
  // the file is not an SQLite database or its schema is newer than this build knows.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // Runs `fn` in one transaction: commits when it returns OK, rolls back (everything it wrote,
  // including through nested calls) and returns its status otherwise. Outermost: BEGIN IMMEDIATE
  // (takes the write lock up front, so a transaction never fails half-way on a lock upgrade).
  absl::Status RunInTransaction(absl::FunctionRef<absl::Status(Transaction&)> fn);

  // RunInTransaction for a function that returns a value.
  template <typename T>
  absl::StatusOr<T> Transact(absl::FunctionRef<absl::StatusOr<T>(Transaction&)> fn) {
    std::optional<T> value;
    DEPTHLAB_RETURN_IF_ERROR(RunInTransaction([&](Transaction& tx) -> absl::Status {
      DEPTHLAB_ASSIGN_OR_RETURN(value, fn(tx));
      return absl::OkStatus();
    }));
    return std::move(*value);
  }

  const std::string& path() const { return path_; }
  // The schema version after Open's migrations.
  int schema_version() const { return schema_version_; }

 private:
  Store(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  absl::Status Configure(const StoreOptions& options);
  absl::Status RunLocked(absl::FunctionRef<absl::Status(Transaction&)> fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);  // owned; closed by the destructor
  int depth_ ABSL_GUARDED_BY(mu_) = 0;         // open transactions (outermost + savepoints)
  // The thread inside a transaction (holding mu_), or none. Written only under mu_.
  std::atomic<std::thread::id> owner_{std::thread::id()};
  int schema_version_ = 0;  // set by Open
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_STORE_H_
