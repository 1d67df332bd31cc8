// A prepared SQLite statement: bind parameters, step through rows, read columns. Every SQLite
// error becomes an absl::Status naming the statement's SQL and SQLite's message. Used by the
// repositories through Transaction::Prepare; code outside store/ uses the repositories.
//
//   DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare("SELECT path FROM models WHERE id = ?1"));
//   st.BindInt(1, id);
//   DEPTHLAB_ASSIGN_OR_RETURN(bool row, st.Step());
//   if (row) path = st.ColumnText(0);
#ifndef DEPTHLAB_STORE_STATEMENT_H_
#define DEPTHLAB_STORE_STATEMENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace depthlab::store {

// The status for SQLite result code `code` on `db`, with `context` (the SQL, or what was being
// done) and sqlite3_errmsg. Codes are chosen by what the caller should do: UNIQUE / PRIMARY KEY
// violations → AlreadyExists; CHECK, NOT NULL, FOREIGN KEY, datatype → InvalidArgument;
// BUSY / LOCKED → Unavailable; NOTADB / CANTOPEN / READONLY → FailedPrecondition; CORRUPT →
// DataLoss; FULL → ResourceExhausted; anything else → Internal.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view context);

// Time is stored as int64 microseconds since the Unix epoch.
int64_t ToStoreTime(absl::Time t);
absl::Time FromStoreTime(int64_t micros);

// Thread-compatible; must be used while the transaction that prepared it is open. Does not own the
// connection; owns (finalizes) the prepared statement.
class Statement {
 public:
  // Prepares exactly one SQL statement (trailing text other than whitespace is an error).
  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind parameter `index` (1-based, `?1`). A failed bind is reported by the next Step / Run.
  // Text and blobs are copied. Empty text or blobs bind as empty values, never NULL.
  Statement& BindInt(int index, int64_t value);
  Statement& BindDouble(int index, double value);  // NaN binds as NULL (SQLite's rule)
  Statement& BindText(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);
  Statement& BindTime(int index, absl::Time t);
  Statement& BindOptionalInt(int index, std::optional<int64_t> value);
  Statement& BindOptionalDouble(int index, std::optional<double> value);
  Statement& BindOptionalTime(int index, std::optional<absl::Time> t);
  // Binds NULL for empty text (for nullable unique columns such as sweeps.request_id).
  Statement& BindTextOrNull(int index, absl::string_view text);

  // Advances: true when a row is ready to read, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps until done, ignoring any rows.
  absl::Status Run();
  // Rewinds for another execution; bindings are kept.
  absl::Status Reset();

  // Columns of the current row, 0-based. NULL reads as 0, 0.0 or "".
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  absl::Time ColumnTime(int column) const;
  bool ColumnIsNull(int column) const;
  std::optional<int64_t> ColumnOptionalInt(int column) const;
  std::optional<double> ColumnOptionalDouble(int column) const;
  std::optional<absl::Time> ColumnOptionalTime(int column) const;

  // The statement's SQL, shortened for error messages.
  std::string sql() const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void NoteBind(int index, int rc);

  sqlite3* db_ = nullptr;         // not owned
  sqlite3_stmt* stmt_ = nullptr;  // owned
  absl::Status bind_status_;      // the first failed bind, reported by Step
};

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_STATEMENT_H_
