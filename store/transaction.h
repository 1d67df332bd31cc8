// An open SQLite transaction on the store's connection. Only Store creates one (see
// Store::RunInTransaction); holding a Transaction& proves the caller holds the store's lock, so it
// is the one way to reach the connection. The outermost transaction is BEGIN IMMEDIATE ... COMMIT;
// a nested one is a SAVEPOINT ... RELEASE. Either rolls back on destruction unless committed.
#ifndef DEPTHLAB_STORE_TRANSACTION_H_
#define DEPTHLAB_STORE_TRANSACTION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/statement.h"

struct sqlite3;

namespace depthlab::store {

// Not thread-safe: used only by the thread that runs the transaction. Does not own the connection.
class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back (to the savepoint, when nested) unless Commit succeeded.
  ~Transaction();

  // Prepares one statement on the connection.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // Runs SQL text of one or more statements without parameters (migrations, pragmas).
  absl::Status Exec(absl::string_view sql);

  // The rowid of the last INSERT on this connection.
  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // 0 for the outermost transaction, 1.. for nested savepoints.
  int depth() const { return depth_; }

 private:
  friend class Store;
  Transaction(sqlite3* db, int depth) : db_(db), depth_(depth) {}

  absl::Status Begin();
  absl::Status Commit();
  void Rollback();

  sqlite3* db_;  // not owned
  int depth_;
  bool open_ = false;
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_TRANSACTION_H_
