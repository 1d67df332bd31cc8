#include "store/store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "store/migrations.h"

namespace depthlab::store {
namespace {

constexpr char kMemoryPath[] = ":memory:";

// Prefixes `status` with the database path so every Open error names the file.
absl::Status WithPath(const std::string& path, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat("store: ", path, ": ", status.message()));
}

absl::Status ExecPragma(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, sql);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError(
        "store: options.path is empty (expected a database file, or \":memory:\")");
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = WithPath(options.path, SqliteError(db, rc, "opening the database"));
    sqlite3_close_v2(db);
    return status;
  }
  // From here the Store owns `db` and closes it on every path.
  std::unique_ptr<Store> store(new Store(options.path, db));
  DEPTHLAB_RETURN_IF_ERROR(WithPath(options.path, store->Configure(options)));
  absl::StatusOr<int> version = Migrate(*store, Migrations(), absl::Now());
  if (!version.ok()) return WithPath(options.path, version.status());
  store->schema_version_ = *version;
  return store;
}

Store::~Store() {
  absl::MutexLock lock(&mu_);
  sqlite3_close_v2(db_);
}

absl::Status Store::Configure(const StoreOptions& options) {
  absl::MutexLock lock(&mu_);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  // The first statement reads the file header: a file that is not SQLite fails here.
  if (options.path != kMemoryPath) {
    DEPTHLAB_RETURN_IF_ERROR(ExecPragma(db_, "PRAGMA journal_mode = WAL"));
  }
  DEPTHLAB_RETURN_IF_ERROR(ExecPragma(db_, "PRAGMA foreign_keys = ON"));
  return ExecPragma(db_, "PRAGMA synchronous = NORMAL");
}

absl::Status Store::RunInTransaction(absl::FunctionRef<absl::Status(Transaction&)> fn) {
  if (owner_.load() == std::this_thread::get_id()) {
    // This thread is already inside a transaction and so holds mu_: nest.
    mu_.AssertHeld();
    return RunLocked(fn);
  }
  absl::MutexLock lock(&mu_);
  owner_.store(std::this_thread::get_id());
  absl::Status status = RunLocked(fn);
  owner_.store(std::thread::id());
  return status;
}

absl::Status Store::RunLocked(absl::FunctionRef<absl::Status(Transaction&)> fn) {
  Transaction tx(db_, depth_);
  DEPTHLAB_RETURN_IF_ERROR(tx.Begin());
  ++depth_;
  const absl::Status status = fn(tx);
  --depth_;
  if (!status.ok()) return status;  // ~Transaction rolls back
  return tx.Commit();
}

}  // namespace depthlab::store
