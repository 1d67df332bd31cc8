#include "store/model_repository.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kColumns[] = "id, content_hash, path, model_type, num_layers, created_at";

ModelRow ReadModel(const Statement& st) {
  ModelRow row;
  row.id = st.ColumnInt(0);
  row.content_hash = st.ColumnText(1);
  row.path = st.ColumnText(2);
  row.model_type = st.ColumnText(3);
  row.num_layers = static_cast<int>(st.ColumnInt(4));
  row.created_at = st.ColumnTime(5);
  return row;
}

// The model matching `where` (with ?1 bound by `bind`), or NotFound naming `what`.
template <typename Bind>
absl::StatusOr<ModelRow> Find(Transaction& tx, absl::string_view where, Bind bind,
                              absl::string_view what) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare(absl::StrCat("SELECT ", kColumns, " FROM models WHERE ", where)));
  bind(st);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("models: no model with ", what));
  return ReadModel(st);
}

}  // namespace

absl::StatusOr<ModelRow> ModelRepository::Upsert(const ModelRow& model, absl::Time now) {
  if (model.content_hash.empty()) {
    return absl::InvalidArgumentError("models.content_hash: empty (expected the model's hash)");
  }
  return store_.Transact<ModelRow>([&](Transaction& tx) -> absl::StatusOr<ModelRow> {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare(absl::StrCat(
            "INSERT INTO models (content_hash, path, model_type, num_layers, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT (content_hash) DO UPDATE SET path = excluded.path RETURNING ",
            kColumns)));
    st.BindText(1, model.content_hash).BindText(2, model.path).BindText(3, model.model_type);
    st.BindInt(4, model.num_layers).BindTime(5, now);
    DEPTHLAB_RETURN_IF_ERROR(st.Step().status());
    ModelRow stored = ReadModel(st);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    if (stored.model_type != model.model_type || stored.num_layers != model.num_layers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "models: content_hash ", model.content_hash, " is stored as model_type \"",
          stored.model_type, "\" with ", stored.num_layers, " layers, not \"", model.model_type,
          "\" with ", model.num_layers, " (same content, different architecture)"));
    }
    return stored;
  });
}

absl::StatusOr<ModelRow> ModelRepository::Get(int64_t id) {
  return store_.Transact<ModelRow>([&](Transaction& tx) {
    return Find(
        tx, "id = ?1", [&](Statement& st) { st.BindInt(1, id); }, absl::StrCat("id ", id));
  });
}

absl::StatusOr<ModelRow> ModelRepository::GetByHash(absl::string_view content_hash) {
  return store_.Transact<ModelRow>([&](Transaction& tx) {
    return Find(
        tx, "content_hash = ?1", [&](Statement& st) { st.BindText(1, content_hash); },
        absl::StrCat("content_hash ", content_hash));
  });
}

}  // namespace depthlab::store
