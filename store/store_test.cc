// Store: opening, pragmas, migrations, transactions and error mapping.
#include "store/store.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "store/migrations.h"
#include "store/model_repository.h"
#include "store/statement.h"
#include "store/testing/store_test_base.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

using testing::Must;
using testing::StoreTestBase;
using testing::T;

// The single integer that `sql` selects.
absl::StatusOr<int64_t> QueryInt(Store& store, const std::string& sql) {
  return store.Transact<int64_t>([&](Transaction& tx) -> absl::StatusOr<int64_t> {
    DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(sql));
    DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
    return st.ColumnInt(0);
  });
}

absl::StatusOr<std::string> QueryText(Store& store, const std::string& sql) {
  return store.Transact<std::string>([&](Transaction& tx) -> absl::StatusOr<std::string> {
    DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(sql));
    DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
    return st.ColumnText(0);
  });
}

absl::Status Exec(Store& store, const std::string& sql) {
  return store.RunInTransaction([&](Transaction& tx) { return tx.Exec(sql); });
}

std::unique_ptr<Store> OpenFile(const std::string& path) {
  StoreOptions options;
  options.path = path;
  return Must(Store::Open(options));
}

class StoreTest : public StoreTestBase {};

TEST_P(StoreTest, OpensMigratedToTheLatestVersion) {
  EXPECT_EQ(store().schema_version(), LatestSchemaVersion());
  EXPECT_EQ(Must(QueryInt(store(), "SELECT COUNT(*) FROM schema_migrations")),
            static_cast<int64_t>(Migrations().size()));
  EXPECT_EQ(Must(QueryInt(store(), "SELECT MAX(version) FROM schema_migrations")),
            LatestSchemaVersion());
  EXPECT_EQ(Must(QueryInt(store(),
                          "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' "
                          "AND name IN ('models', 'datasets', 'sweeps', 'stages', "
                          "'jobs', 'workers', 'evaluations', 'influence', "
                          "'curve_points', 'checkpoints')")),
            10);
}

TEST_P(StoreTest, ConfiguresPragmas) {
  EXPECT_EQ(Must(QueryInt(store(), "PRAGMA foreign_keys")), 1);
  EXPECT_EQ(Must(QueryText(store(), "PRAGMA journal_mode")),
            GetParam() == testing::Backend::kDisk ? "wal" : "memory");
  if (GetParam() == testing::Backend::kDisk) {
    EXPECT_EQ(Must(QueryInt(store(), "PRAGMA synchronous")), 1);  // NORMAL
  }
}

TEST_P(StoreTest, CommitsOnOkAndRollsBackOnError) {
  DEPTHLAB_ASSERT_OK(Exec(store(), "CREATE TABLE t (x INTEGER) STRICT"));
  DEPTHLAB_ASSERT_OK(Exec(store(), "INSERT INTO t VALUES (1)"));
  const absl::Status failed = store().RunInTransaction([](Transaction& tx) -> absl::Status {
    DEPTHLAB_RETURN_IF_ERROR(tx.Exec("INSERT INTO t VALUES (2)"));
    return absl::CancelledError("caller gave up");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Must(QueryInt(store(), "SELECT group_concat(x) = '1' FROM t")), 1);
}

TEST_P(StoreTest, NestedFailureRollsBackOnlyItsOwnWrites) {
  DEPTHLAB_ASSERT_OK(Exec(store(), "CREATE TABLE t (x INTEGER) STRICT"));
  DEPTHLAB_ASSERT_OK(store().RunInTransaction([&](Transaction& outer) -> absl::Status {
    EXPECT_EQ(outer.depth(), 0);
    DEPTHLAB_RETURN_IF_ERROR(outer.Exec("INSERT INTO t VALUES (1)"));
    const absl::Status inner = store().RunInTransaction([](Transaction& tx) -> absl::Status {
      EXPECT_EQ(tx.depth(), 1);
      DEPTHLAB_RETURN_IF_ERROR(tx.Exec("INSERT INTO t VALUES (2)"));
      return absl::AbortedError("inner gives up");
    });
    EXPECT_EQ(inner.code(), absl::StatusCode::kAborted);
    DEPTHLAB_RETURN_IF_ERROR(store().RunInTransaction(
        [](Transaction& tx) { return tx.Exec("INSERT INTO t VALUES (3)"); }));
    return absl::OkStatus();
  }));
  EXPECT_EQ(Must(QueryText(store(), "SELECT group_concat(x) FROM (SELECT x FROM t ORDER BY x)")),
            "1,3");
}

TEST_P(StoreTest, OuterFailureRollsBackNestedWrites) {
  DEPTHLAB_ASSERT_OK(Exec(store(), "CREATE TABLE t (x INTEGER) STRICT"));
  const absl::Status status = store().RunInTransaction([&](Transaction&) -> absl::Status {
    DEPTHLAB_RETURN_IF_ERROR(store().RunInTransaction(
        [](Transaction& tx) { return tx.Exec("INSERT INTO t VALUES (1)"); }));
    return absl::InternalError("outer fails after the inner call committed its savepoint");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Must(QueryInt(store(), "SELECT COUNT(*) FROM t")), 0);
}

TEST_P(StoreTest, ConstraintViolationsNameTheTableAndField) {
  const std::string insert =
      "INSERT INTO models (content_hash, path, model_type, num_layers, created_at) "
      "VALUES ('h', '/m', 'llama', 2, 0)";
  DEPTHLAB_ASSERT_OK(Exec(store(), insert));
  const absl::Status duplicate = Exec(store(), insert);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(absl::StrContains(duplicate.message(), "models.content_hash")) << duplicate;

  const absl::Status check = Exec(store(), "UPDATE models SET num_layers = -1");
  EXPECT_EQ(check.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(check.message(), "CHECK constraint failed")) << check;

  const absl::Status type = Exec(store(), "UPDATE models SET num_layers = 'many'");
  EXPECT_EQ(type.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(type.message(), "models.num_layers")) << type;

  const absl::Status foreign =
      Exec(store(),
           "INSERT INTO sweeps (name, model_id, spec, state, created_at, updated_at) "
           "VALUES ('s', 999, x'', 'PENDING', 0, 0)");
  EXPECT_EQ(foreign.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(foreign.message(), "FOREIGN KEY")) << foreign;
}

TEST_P(StoreTest, SqlErrorsQuoteTheStatement) {
  const absl::Status status = Exec(store(), "SELECT no_such_column FROM models");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(status.message(), "no such column: no_such_column")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "`SELECT no_such_column FROM models`")) << status;
}

DEPTHLAB_STORE_TEST_BACKENDS(StoreTest);

TEST(StoreFileTest, ReopenKeepsVersionAndDataWithoutReapplyingMigrations) {
  depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("store.db");
  int64_t model_id = 0;
  int64_t applied_at = 0;
  {
    std::unique_ptr<Store> store = OpenFile(path);
    ModelRow model;
    model.content_hash = "abc";
    model.model_type = "llama";
    model_id = Must(ModelRepository(*store).Upsert(model, T(5))).id;
    applied_at = Must(QueryInt(*store, "SELECT applied_at FROM schema_migrations"));
  }
  std::unique_ptr<Store> store = OpenFile(path);
  EXPECT_EQ(store->schema_version(), LatestSchemaVersion());
  EXPECT_EQ(Must(QueryInt(*store, "SELECT COUNT(*) FROM schema_migrations")),
            LatestSchemaVersion());
  EXPECT_EQ(Must(QueryInt(*store, "SELECT applied_at FROM schema_migrations")), applied_at);
  DEPTHLAB_ASSERT_OK_AND_ASSIGN(const ModelRow model, ModelRepository(*store).GetByHash("abc"));
  EXPECT_EQ(model.id, model_id);
  EXPECT_EQ(model.created_at, T(5));
}

TEST(StoreFileTest, RefusesADatabaseFromANewerVersion) {
  depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("store.db");
  {
    std::unique_ptr<Store> store = OpenFile(path);
    DEPTHLAB_ASSERT_OK(Exec(*store,
                            "INSERT INTO schema_migrations (version, description, applied_at) "
                            "VALUES (99, 'from the future', 0)"));
  }
  StoreOptions options;
  options.path = path;
  const absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  const std::string expected = absl::StrCat(
      "has schema version 99 but this build knows versions up to ", LatestSchemaVersion());
  EXPECT_TRUE(absl::StrContains(store.status().message(), expected)) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), path)) << store.status();
}

TEST(StoreFileTest, RefusesAFileThatIsNotSqliteNamingIt) {
  depthlab::testing::TempDir dir;
  const std::string path = dir.Sub("notes.txt");
  {
    std::ofstream out(path);
    for (int i = 0; i < 100; ++i) out << "this is a text file, not an SQLite database\n";
  }
  StoreOptions options;
  options.path = path;
  const absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), path)) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "file is not a database"))
      << store.status();
}

TEST(StoreFileTest, MissingDirectoryIsAnErrorNamingThePath) {
  depthlab::testing::TempDir dir;
  StoreOptions options;
  options.path = dir.Sub("no/such/dir/store.db");
  const absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), options.path)) << store.status();
}

TEST(StoreFileTest, EmptyPathIsInvalidArgument) {
  EXPECT_EQ(Store::Open(StoreOptions()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MigrateTest, AppliesEachNewMigrationInItsOwnTransaction) {
  StoreOptions options;
  options.path = ":memory:";
  std::unique_ptr<Store> store = Must(Store::Open(options));
  std::vector<Migration> migrations = Migrations();
  const int base = static_cast<int>(migrations.size());
  migrations.push_back({base + 1, "adds a", "CREATE TABLE a (x INTEGER)"});
  migrations.push_back({base + 2, "half-applies b", "CREATE TABLE b (x INTEGER); NOT SQL"});

  const absl::StatusOr<int> version = Migrate(*store, migrations, T(1));
  EXPECT_EQ(version.status().code(), absl::StatusCode::kInternal) << version.status();
  EXPECT_TRUE(absl::StrContains(version.status().message(),
                                absl::StrCat("migration ", base + 2, " (half-applies b)")))
      << version.status();
  // The good migration stays applied; the failing one left nothing behind.
  EXPECT_EQ(Must(QueryInt(*store, "SELECT MAX(version) FROM schema_migrations")), base + 1);
  EXPECT_EQ(Must(QueryInt(*store, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'a'")), 1);
  EXPECT_EQ(Must(QueryInt(*store, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'")), 0);

  migrations.back().sql = "CREATE TABLE b (x INTEGER)";
  EXPECT_EQ(Must(Migrate(*store, migrations, T(2))), base + 2);
  EXPECT_EQ(Must(QueryInt(*store, "SELECT applied_at FROM schema_migrations WHERE version = " +
                                      std::to_string(base + 2))),
            ToStoreTime(T(2)));
}

TEST(MigrateTest, RejectsMisnumberedMigrations) {
  StoreOptions options;
  options.path = ":memory:";
  std::unique_ptr<Store> store = Must(Store::Open(options));
  std::vector<Migration> migrations = Migrations();
  migrations.push_back({static_cast<int>(migrations.size()) + 2, "skips one", "SELECT 1"});
  EXPECT_EQ(Migrate(*store, migrations, T(0)).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace depthlab::store
