#include "store/dataset_repository.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kColumns[] = "id, content_hash, kind, path, created_at";

DatasetRow ReadDataset(const Statement& st) {
  DatasetRow row;
  row.id = st.ColumnInt(0);
  row.content_hash = st.ColumnText(1);
  row.kind = st.ColumnText(2);
  row.path = st.ColumnText(3);
  row.created_at = st.ColumnTime(4);
  return row;
}

// The dataset matching `where` (with ?1 bound by `bind`), or NotFound naming `what`.
template <typename Bind>
absl::StatusOr<DatasetRow> Find(Transaction& tx, absl::string_view where, Bind bind,
                                absl::string_view what) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare(absl::StrCat("SELECT ", kColumns, " FROM datasets WHERE ", where)));
  bind(st);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("datasets: no dataset with ", what));
  return ReadDataset(st);
}

}  // namespace

absl::StatusOr<DatasetRow> DatasetRepository::Upsert(const DatasetRow& dataset, absl::Time now) {
  if (dataset.content_hash.empty() || dataset.kind.empty()) {
    return absl::InvalidArgumentError(
        "datasets: content_hash and kind must be set (e.g. kind \"calibration\" or \"mmlu\")");
  }
  return store_.Transact<DatasetRow>([&](Transaction& tx) -> absl::StatusOr<DatasetRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare(absl::StrCat("INSERT INTO datasets (content_hash, kind, path, created_at) "
                                "VALUES (?1, ?2, ?3, ?4) "
                                "ON CONFLICT (content_hash) DO UPDATE SET path = excluded.path "
                                "RETURNING ",
                                kColumns)));
    st.BindText(1, dataset.content_hash).BindText(2, dataset.kind).BindText(3, dataset.path);
    st.BindTime(4, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
    DatasetRow stored = ReadDataset(st);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    if (stored.kind != dataset.kind) {
      return absl::InvalidArgumentError(
          absl::StrCat("datasets: content_hash ", dataset.content_hash, " is stored as kind \"",
                       stored.kind, "\", not \"", dataset.kind, "\""));
    }
    return stored;
  });
}

absl::StatusOr<DatasetRow> DatasetRepository::Get(int64_t id) {
  return store_.Transact<DatasetRow>([&](Transaction& tx) {
    return Find(
        tx, "id = ?1", [&](Statement& st) { st.BindInt(1, id); }, absl::StrCat("id ", id));
  });
}

absl::StatusOr<DatasetRow> DatasetRepository::GetByHash(absl::string_view content_hash) {
  return store_.Transact<DatasetRow>([&](Transaction& tx) {
    return Find(
        tx, "content_hash = ?1", [&](Statement& st) { st.BindText(1, content_hash); },
        absl::StrCat("content_hash ", content_hash));
  });
}

}  // namespace depthlab::store
