#include "store/influence_repository.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

std::optional<int64_t> Widen(std::optional<int> v) {
  if (!v.has_value()) return std::nullopt;
  return *v;
}

std::optional<int> Narrow(std::optional<int64_t> v) {
  if (!v.has_value()) return std::nullopt;
  return static_cast<int>(*v);
}

absl::Status DeleteMetric(Transaction& tx, int64_t sweep_id, absl::string_view metric) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st, tx.Prepare("DELETE FROM influence WHERE sweep_id = ?1 AND metric = ?2"));
  st.BindInt(1, sweep_id).BindText(2, metric);
  return st.Run();
}

absl::Status InsertRows(Transaction& tx, int64_t sweep_id, absl::string_view metric,
                        const std::vector<InfluenceRow>& rows) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("INSERT INTO influence (sweep_id, metric, unit, value, stderr, evaluations, "
                 "rank, rank_lo, rank_hi) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  for (const InfluenceRow& row : rows) {
    if (row.unit.empty()) return absl::InvalidArgumentError("influence.unit: empty");
    st.BindInt(1, sweep_id).BindText(2, metric).BindText(3, row.unit).BindDouble(4, row.value);
    st.BindOptionalDouble(5, row.std_error).BindInt(6, row.evaluations).BindInt(7, row.rank);
    st.BindOptionalInt(8, Widen(row.rank_lo)).BindOptionalInt(9, Widen(row.rank_hi));
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    DEPTHLAB_RETURN_IF_ERROR(st.Reset());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InfluenceRepository::Replace(int64_t sweep_id, absl::string_view metric,
                                          const std::vector<InfluenceRow>& rows) {
  if (metric.empty()) return absl::InvalidArgumentError("influence.metric: empty");
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_RETURN_IF_ERROR(internal::LoadSweepState(tx, sweep_id).status());
    DEPTHLAB_RETURN_IF_ERROR(DeleteMetric(tx, sweep_id, metric));
    return InsertRows(tx, sweep_id, metric, rows);
  });
}

absl::StatusOr<std::vector<InfluenceRow>> InfluenceRepository::Get(int64_t sweep_id,
                                                                   absl::string_view metric) {
  return store_.Transact<std::vector<InfluenceRow>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<InfluenceRow>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare("SELECT metric, unit, value, stderr, evaluations, rank, rank_lo, rank_hi "
                       "FROM influence WHERE sweep_id = ?1 AND (?2 = '' OR metric = ?2) "
                       "ORDER BY metric, rank, unit"));
        st.BindInt(1, sweep_id).BindText(2, metric);
        std::vector<InfluenceRow> rows;
        while (true) {
          DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
          if (!found) return rows;
          InfluenceRow row;
          row.sweep_id = sweep_id;
          row.metric = st.ColumnText(0);
          row.unit = st.ColumnText(1);
          row.value = st.ColumnDouble(2);
          row.std_error = st.ColumnOptionalDouble(3);
          row.evaluations = st.ColumnInt(4);
          row.rank = static_cast<int>(st.ColumnInt(5));
          row.rank_lo = Narrow(st.ColumnOptionalInt(6));
          row.rank_hi = Narrow(st.ColumnOptionalInt(7));
          rows.push_back(std::move(row));
        }
      });
}

}  // namespace depthlab::store
