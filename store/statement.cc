#include "store/statement.h"

#include <sqlite3.h>

#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"

namespace depthlab::store {
namespace {

constexpr size_t kMaxSqlInMessage = 240;

// Collapses runs of whitespace so multi-line SQL reads on one line in error messages.
std::string OneLine(absl::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() > kMaxSqlInMessage) return out + "...";
  }
  return out;
}

absl::StatusCode CodeFor(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return absl::StatusCode::kAlreadyExists;
    case SQLITE_BUSY_TIMEOUT:
      return absl::StatusCode::kUnavailable;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kInternal;
  }
}

const char* NonNull(absl::string_view s) { return s.data() == nullptr ? "" : s.data(); }

}  // namespace

absl::Status SqliteError(sqlite3* db, int code, absl::string_view context) {
  // sqlite3_errmsg describes the most recent failure on `db`; for codes returned without touching
  // the connection (a bind error) fall back to the generic text.
  const char* message =
      db != nullptr && sqlite3_extended_errcode(db) == code ? sqlite3_errmsg(db) : nullptr;
  return absl::Status(CodeFor(code),
                      absl::StrCat("sqlite: ", message != nullptr ? message : sqlite3_errstr(code),
                                   " (code ", code, ") in `", OneLine(context), "`"));
}

int64_t ToStoreTime(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromStoreTime(int64_t micros) { return absl::FromUnixMicros(micros); }

absl::StatusOr<Statement> Statement::Prepare(sqlite3* db, absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db, NonNull(sql), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) return SqliteError(db, rc, sql);
  Statement statement(db, stmt);
  const absl::string_view rest = sql.substr(static_cast<size_t>(tail - NonNull(sql)));
  if (stmt == nullptr || !OneLine(rest).empty()) {
    return absl::InternalError(
        absl::StrCat("sqlite: expected exactly one statement in `", OneLine(sql), "`"));
  }
  return statement;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::NoteBind(int index, int rc) {
  if (rc == SQLITE_OK || !bind_status_.ok()) return;
  bind_status_ = SqliteError(db_, rc, absl::StrCat("binding parameter ", index, " of ", sql()));
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBind(index, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::BindDouble(int index, double value) {
  NoteBind(index, sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::BindText(int index, absl::string_view text) {
  NoteBind(index, sqlite3_bind_text64(stmt_, index, NonNull(text), text.size(), SQLITE_TRANSIENT,
                                      SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  NoteBind(index,
           sqlite3_bind_blob64(stmt_, index, NonNull(bytes), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBind(index, sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::BindTime(int index, absl::Time t) { return BindInt(index, ToStoreTime(t)); }

Statement& Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  return value.has_value() ? BindInt(index, *value) : BindNull(index);
}

Statement& Statement::BindOptionalDouble(int index, std::optional<double> value) {
  return value.has_value() ? BindDouble(index, *value) : BindNull(index);
}

Statement& Statement::BindOptionalTime(int index, std::optional<absl::Time> t) {
  return t.has_value() ? BindTime(index, *t) : BindNull(index);
}

Statement& Statement::BindTextOrNull(int index, absl::string_view text) {
  return text.empty() ? BindNull(index) : BindText(index, text);
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, sql());
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::Status Statement::Reset() {
  // sqlite3_reset repeats the error of the last step, which Step has already reported.
  sqlite3_reset(stmt_);
  return bind_status_;
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::Time Statement::ColumnTime(int column) const { return FromStoreTime(ColumnInt(column)); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::ColumnOptionalInt(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnInt(column);
}

std::optional<double> Statement::ColumnOptionalDouble(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnDouble(column);
}

std::optional<absl::Time> Statement::ColumnOptionalTime(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnTime(column);
}

std::string Statement::sql() const {
  const char* text = stmt_ == nullptr ? nullptr : sqlite3_sql(stmt_);
  return OneLine(text == nullptr ? "" : text);
}

}  // namespace depthlab::store
