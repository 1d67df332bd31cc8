// Versioned schema migrations. The schema is the ordered list in migrations.cc; the table
// schema_migrations(version, description, applied_at) records which ones a database has. To change
// the schema, append a migration (never edit an applied one): see store/README.md.
#ifndef DEPTHLAB_STORE_MIGRATIONS_H_
#define DEPTHLAB_STORE_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace depthlab::store {

class Store;

struct Migration {
  int version = 0;                // 1, 2, 3, ... in order
  absl::string_view description;  // one line, stored in schema_migrations
  absl::string_view sql;          // one or more statements
};

// depthlab's migrations, in version order.
const std::vector<Migration>& Migrations();

// The version the latest migration brings a database to.
int LatestSchemaVersion();

// Creates schema_migrations if needed, then applies every migration newer than the database's
// version, each in its own transaction, stamped with `now`. Returns the resulting version.
// FailedPrecondition naming both versions when the database is newer than `migrations` know;
// InvalidArgument when `migrations` are not numbered 1, 2, 3, ...
absl::StatusOr<int> Migrate(Store& store, const std::vector<Migration>& migrations, absl::Time now);

}  // namespace depthlab::store

#endif  // DEPTHLAB_STORE_MIGRATIONS_H_
