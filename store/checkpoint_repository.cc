#include "store/checkpoint_repository.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/transaction.h"

namespace depthlab::store {

absl::StatusOr<int64_t> CheckpointRepository::Put(const CheckpointRow& checkpoint, absl::Time now) {
  if (checkpoint.base_model_hash.empty()) {
    return absl::InvalidArgumentError("checkpoints.base_model_hash: empty");
  }
  return store_.Transact<int64_t>([&](Transaction& tx) -> absl::StatusOr<int64_t> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st, tx.Prepare("INSERT INTO checkpoints (sweep_id, base_model_hash, granularity, "
                                 "removed_units, recovery, tensors, sha256, created_at) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    st.BindOptionalInt(1, checkpoint.sweep_id).BindText(2, checkpoint.base_model_hash);
    st.BindText(3, checkpoint.granularity).BindText(4, checkpoint.removed_units);
    st.BindText(5, checkpoint.recovery).BindBlob(6, checkpoint.tensors);
    st.BindText(7, checkpoint.sha256).BindTime(8, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    return tx.LastInsertRowId();
  });
}

absl::StatusOr<CheckpointRow> CheckpointRepository::Get(int64_t id) {
  return store_.Transact<CheckpointRow>([&](Transaction& tx) -> absl::StatusOr<CheckpointRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare("SELECT id, sweep_id, base_model_hash, granularity, removed_units, recovery, "
                   "tensors, sha256, created_at FROM checkpoints WHERE id = ?1"));
    st.BindInt(1, id);
    DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("checkpoints: no checkpoint with id ", id));
    CheckpointRow row;
    row.id = st.ColumnInt(0);
    row.sweep_id = st.ColumnOptionalInt(1);
    row.base_model_hash = st.ColumnText(2);
    row.granularity = st.ColumnText(3);
    row.removed_units = st.ColumnText(4);
    row.recovery = st.ColumnText(5);
    row.tensors = st.ColumnBlob(6);
    row.sha256 = st.ColumnText(7);
    row.created_at = st.ColumnTime(8);
    return row;
  });
}

}  // namespace depthlab::store
