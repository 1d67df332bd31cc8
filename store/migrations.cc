#include "store/migrations.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/store.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

// Version 1: the whole schema of store/README.md. Tables are STRICT (SQLite refuses values of the
// wrong type); times are int64 unix microseconds; states are upper-case names (store/types.h).
constexpr absl::string_view kInitialSchema = R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  content_hash TEXT NOT NULL UNIQUE CHECK (length(content_hash) > 0),
  path TEXT NOT NULL,
  model_type TEXT NOT NULL,
  num_layers INTEGER NOT NULL CHECK (num_layers >= 0),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  content_hash TEXT NOT NULL UNIQUE CHECK (length(content_hash) > 0),
  kind TEXT NOT NULL CHECK (length(kind) > 0),
  path TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY,
  request_id TEXT UNIQUE,
  name TEXT NOT NULL,
  model_id INTEGER NOT NULL REFERENCES models(id),
  spec BLOB NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  priority INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX sweeps_by_state ON sweeps(state);
CREATE INDEX sweeps_by_model ON sweeps(model_id);

CREATE TABLE sweep_labels (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  key TEXT NOT NULL CHECK (length(key) > 0),
  value TEXT NOT NULL,
  PRIMARY KEY (sweep_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE stages (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (length(kind) > 0),
  state TEXT NOT NULL
    CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  jobs_total INTEGER NOT NULL DEFAULT 0 CHECK (jobs_total >= 0),
  jobs_done INTEGER NOT NULL DEFAULT 0 CHECK (jobs_done >= 0 AND jobs_done <= jobs_total),
  detail BLOB NOT NULL DEFAULT x'',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (sweep_id, ordinal)
) STRICT;

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  stage_id INTEGER NOT NULL REFERENCES stages(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (length(kind) > 0),
  payload BLOB NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('QUEUED', 'LEASED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  priority INTEGER NOT NULL DEFAULT 0,
  model_hash TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  lease_owner TEXT,
  lease_expires_at INTEGER,
  not_before INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  result BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (state <> 'LEASED' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK (state <> 'SUCCEEDED' OR result IS NOT NULL)
) STRICT;
-- Leasing scans only QUEUED jobs; expiry only LEASED ones.
CREATE INDEX jobs_queued ON jobs(not_before) WHERE state = 'QUEUED';
CREATE INDEX jobs_leased ON jobs(lease_expires_at) WHERE state = 'LEASED';
CREATE INDEX jobs_by_stage ON jobs(stage_id, state);
CREATE INDEX jobs_by_sweep ON jobs(sweep_id, state);

CREATE TABLE workers (
  id TEXT PRIMARY KEY CHECK (length(id) > 0),
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'GONE'))
) STRICT;

CREATE TABLE worker_models (
  worker_id TEXT NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
  model_hash TEXT NOT NULL CHECK (length(model_hash) > 0),
  PRIMARY KEY (worker_id, model_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE evaluations (
  key TEXT PRIMARY KEY CHECK (length(key) > 0),
  model_hash TEXT NOT NULL,
  dataset_hash TEXT NOT NULL,
  shard INTEGER NOT NULL,
  mask TEXT NOT NULL,
  replacement_hash TEXT NOT NULL,
  value_kind TEXT NOT NULL,
  code_version TEXT NOT NULL,
  result BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE influence (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  metric TEXT NOT NULL CHECK (length(metric) > 0),
  unit TEXT NOT NULL CHECK (length(unit) > 0),
  value REAL NOT NULL,
  stderr REAL,
  evaluations INTEGER NOT NULL DEFAULT 0,
  rank INTEGER NOT NULL,
  rank_lo INTEGER,
  rank_hi INTEGER,
  PRIMARY KEY (sweep_id, metric, unit)
) STRICT;

CREATE TABLE curve_points (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  metric TEXT NOT NULL CHECK (length(metric) > 0),
  granularity TEXT NOT NULL,
  recovery TEXT NOT NULL,
  k INTEGER NOT NULL CHECK (k >= 0),
  removed_units TEXT NOT NULL,
  task TEXT NOT NULL CHECK (length(task) > 0),
  accuracy REAL NOT NULL,
  n INTEGER NOT NULL CHECK (n >= 0),
  stderr REAL NOT NULL,
  perplexity REAL,
  extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
  PRIMARY KEY (sweep_id, metric, granularity, recovery, k, task)
) STRICT;
CREATE INDEX curve_points_by_task ON curve_points(task, metric);

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
  base_model_hash TEXT NOT NULL CHECK (length(base_model_hash) > 0),
  granularity TEXT NOT NULL,
  removed_units TEXT NOT NULL,
  recovery TEXT NOT NULL,
  tensors BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
)sql";

absl::Status CheckNumbering(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(absl::StrCat("migrations: entry ", i, " has version ",
                                                     migrations[i].version, ", expected ", i + 1,
                                                     " (versions must be 1, 2, 3, ...)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> CurrentVersion(Transaction& tx) {
  DEPTHLAB_RETURN_IF_ERROR(
      tx.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
              "applied_at INTEGER NOT NULL) STRICT"));
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
  return static_cast<int>(st.ColumnInt(0));
}

absl::Status Apply(Transaction& tx, const Migration& migration, absl::Time now) {
  absl::Status status = tx.Exec(migration.sql);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("migration ", migration.version, " (", migration.description,
                                     "): ", status.message()));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare("INSERT INTO schema_migrations (version, description, applied_at) "
                               "VALUES (?1, ?2, ?3)"));
  st.BindInt(1, migration.version).BindText(2, migration.description).BindTime(3, now);
  return st.Run();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const auto* const kMigrations = new std::vector<Migration>{
      {1, "initial schema", kInitialSchema},
  };
  return *kMigrations;
}

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::StatusOr<int> Migrate(Store& store, const std::vector<Migration>& migrations,
                            absl::Time now) {
  DEPTHLAB_RETURN_IF_ERROR(CheckNumbering(migrations));
  DEPTHLAB_ASSIGN_OR_RETURN(const int current, store.Transact<int>(CurrentVersion));
  const int latest = static_cast<int>(migrations.size());
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database has schema version ", current, " but this build knows versions up to ",
        latest, "; run a newer depthlab coordinator (or restore a backup made by this version)"));
  }
  for (int version = current + 1; version <= latest; ++version) {
    const Migration& migration = migrations[version - 1];
    DEPTHLAB_RETURN_IF_ERROR(
        store.RunInTransaction([&](Transaction& tx) { return Apply(tx, migration, now); }));
  }
  return latest;
}

}  // namespace depthlab::store
