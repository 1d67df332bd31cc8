#include "store/evaluation_cache.h"

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kSelectByKey[] =
    "SELECT key, model_hash, dataset_hash, shard, mask, replacement_hash, value_kind, "
    "code_version, result, created_at FROM evaluations WHERE key = ?1";

EvaluationRow ReadEvaluation(const Statement& st) {
  EvaluationRow row;
  row.key = st.ColumnText(0);
  row.model_hash = st.ColumnText(1);
  row.dataset_hash = st.ColumnText(2);
  row.shard = static_cast<int>(st.ColumnInt(3));
  row.mask = st.ColumnText(4);
  row.replacement_hash = st.ColumnText(5);
  row.value_kind = st.ColumnText(6);
  row.code_version = st.ColumnText(7);
  row.result = st.ColumnBlob(8);
  row.created_at = st.ColumnTime(9);
  return row;
}

// Looks up `key` with the prepared kSelectByKey statement.
absl::StatusOr<std::optional<EvaluationRow>> Lookup(Statement& st, absl::string_view key) {
  DEPTHLAB_RETURN_IF_ERROR(st.Reset());
  st.BindText(1, key);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return std::nullopt;
  return ReadEvaluation(st);
}

absl::Status Insert(Transaction& tx, const EvaluationRow& row, absl::Time now) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("INSERT INTO evaluations (key, model_hash, dataset_hash, shard, mask, "
                 "replacement_hash, value_kind, code_version, result, created_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                 "ON CONFLICT (key) DO NOTHING"));
  st.BindText(1, row.key).BindText(2, row.model_hash).BindText(3, row.dataset_hash);
  st.BindInt(4, row.shard).BindText(5, row.mask).BindText(6, row.replacement_hash);
  st.BindText(7, row.value_kind).BindText(8, row.code_version).BindBlob(9, row.result);
  st.BindTime(10, now);
  return st.Run();
}

}  // namespace

absl::StatusOr<std::optional<EvaluationRow>> EvaluationCache::Get(absl::string_view key) {
  return store_.Transact<std::optional<EvaluationRow>>(
      [&](Transaction& tx) -> absl::StatusOr<std::optional<EvaluationRow>> {
        DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(kSelectByKey));
        return Lookup(st, key);
      });
}

absl::StatusOr<std::vector<EvaluationRow>> EvaluationCache::GetMany(
    const std::vector<std::string>& keys) {
  return store_.Transact<std::vector<EvaluationRow>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<EvaluationRow>> {
        DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(kSelectByKey));
        std::vector<EvaluationRow> rows;
        for (const std::string& key : keys) {
          DEPTHLAB_ASSIGN_OR_RETURN(std::optional<EvaluationRow> row, Lookup(st, key));
          if (row.has_value()) rows.push_back(*std::move(row));
        }
        return rows;
      });
}

absl::StatusOr<PutEvaluationResult> EvaluationCache::Put(const EvaluationRow& row, absl::Time now) {
  if (row.key.empty()) return absl::InvalidArgumentError("evaluations.key: empty");
  return store_.Transact<PutEvaluationResult>(
      [&](Transaction& tx) -> absl::StatusOr<PutEvaluationResult> {
        DEPTHLAB_RETURN_IF_ERROR(Insert(tx, row, now));
        PutEvaluationResult result;
        result.inserted = tx.Changes() == 1;
        DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(kSelectByKey));
        DEPTHLAB_ASSIGN_OR_RETURN(std::optional<EvaluationRow> stored, Lookup(st, row.key));
        if (!stored.has_value()) return absl::InternalError("evaluations: row vanished after Put");
        result.stored = *std::move(stored);
        return result;
      });
}

}  // namespace depthlab::store
