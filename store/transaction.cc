#include "store/transaction.h"

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace depthlab::store {
namespace {

std::string Savepoint(int depth) { return absl::StrCat("depthlab_sp", depth); }

}  // namespace

Transaction::~Transaction() {
  if (open_) Rollback();
}

absl::StatusOr<Statement> Transaction::Prepare(absl::string_view sql) {
  return Statement::Prepare(db_, sql);
}

absl::Status Transaction::Exec(absl::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, text);
  return absl::OkStatus();
}

int64_t Transaction::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Transaction::Changes() const { return sqlite3_changes64(db_); }

absl::Status Transaction::Begin() {
  const absl::Status status =
      Exec(depth_ == 0 ? std::string("BEGIN IMMEDIATE") : "SAVEPOINT " + Savepoint(depth_));
  open_ = status.ok();
  return status;
}

absl::Status Transaction::Commit() {
  const absl::Status status =
      Exec(depth_ == 0 ? std::string("COMMIT") : "RELEASE " + Savepoint(depth_));
  // A COMMIT that fails (SQLITE_BUSY) leaves the transaction open; the destructor rolls it back.
  if (status.ok()) open_ = false;
  return status;
}

void Transaction::Rollback() {
  open_ = false;
  if (depth_ == 0) {
    // SQLite may already have rolled back on its own (after some I/O errors).
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return;
  }
  const std::string name = Savepoint(depth_);
  const std::string sql = absl::StrCat("ROLLBACK TO ", name, "; RELEASE ", name);
  sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

}  // namespace depthlab::store
