#include "store/curve_repository.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kPointColumns[] =
    "c.sweep_id, c.metric, c.granularity, c.recovery, c.k, c.removed_units, c.task, c.accuracy, "
    "c.n, c.stderr, c.perplexity, c.extra";
constexpr int kPointColumnCount = 12;
constexpr char kWithModel[] =
    ", s.name, m.content_hash, m.path FROM curve_points c JOIN sweeps s ON s.id = c.sweep_id "
    "JOIN models m ON m.id = s.model_id ";

CurvePoint ReadPoint(const Statement& st) {
  CurvePoint p;
  p.sweep_id = st.ColumnInt(0);
  p.metric = st.ColumnText(1);
  p.granularity = st.ColumnText(2);
  p.recovery = st.ColumnText(3);
  p.k = static_cast<int>(st.ColumnInt(4));
  p.removed_units = st.ColumnText(5);
  p.task = st.ColumnText(6);
  p.accuracy = st.ColumnDouble(7);
  p.n = st.ColumnInt(8);
  p.std_error = st.ColumnDouble(9);
  p.perplexity = st.ColumnOptionalDouble(10);
  p.extra = st.ColumnText(11);
  return p;
}

absl::StatusOr<std::vector<ModelCurvePoint>> ReadModelPoints(Statement& st) {
  std::vector<ModelCurvePoint> rows;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
    if (!found) return rows;
    rows.push_back({ReadPoint(st), st.ColumnText(kPointColumnCount),
                    st.ColumnText(kPointColumnCount + 1), st.ColumnText(kPointColumnCount + 2)});
  }
}

absl::Status Validate(const CurvePoint& p) {
  if (p.metric.empty() || p.task.empty()) {
    return absl::InvalidArgumentError("curve_points: metric and task must be set");
  }
  if (p.k < 0) return absl::InvalidArgumentError(absl::StrCat("curve_points.k: ", p.k, " < 0"));
  if (std::isnan(p.accuracy) || std::isnan(p.std_error)) {
    return absl::InvalidArgumentError(absl::StrCat("curve_points: NaN accuracy or stderr for ",
                                                   p.metric, "/", p.task, " at k=", p.k));
  }
  return absl::OkStatus();
}

absl::Status InsertPoint(Statement& st, const CurvePoint& p) {
  st.BindInt(1, p.sweep_id).BindText(2, p.metric).BindText(3, p.granularity);
  st.BindText(4, p.recovery).BindInt(5, p.k).BindText(6, p.removed_units).BindText(7, p.task);
  st.BindDouble(8, p.accuracy).BindInt(9, p.n).BindDouble(10, p.std_error);
  st.BindOptionalDouble(11, p.perplexity).BindText(12, p.extra.empty() ? "{}" : p.extra);
  DEPTHLAB_RETURN_IF_ERROR(st.Run());
  return st.Reset();
}

// "?first, ?first+1, ..." for `count` parameters.
std::string Placeholders(int first, size_t count) {
  std::vector<std::string> params;
  for (size_t i = 0; i < count; ++i) params.push_back(absl::StrCat("?", first + i));
  return absl::StrJoin(params, ", ");
}

// The WHERE clause for `filter`: ?1 is the task, then sweep ids, model hashes, metrics in order.
std::string CompareWhere(const CurveFilter& f) {
  std::string where = "WHERE (?1 = '' OR c.task = ?1)";
  int next = 2;
  auto in = [&](absl::string_view column, size_t count) {
    if (count == 0) return;
    absl::StrAppend(&where, " AND ", column, " IN (", Placeholders(next, count), ")");
    next += static_cast<int>(count);
  };
  in("c.sweep_id", f.sweep_ids.size());
  in("m.content_hash", f.model_hashes.size());
  in("c.metric", f.metrics.size());
  return where;
}

void BindCompare(Statement& st, const CurveFilter& f) {
  int next = 1;
  st.BindText(next++, f.task);
  for (int64_t id : f.sweep_ids) st.BindInt(next++, id);
  for (const std::string& hash : f.model_hashes) st.BindText(next++, hash);
  for (const std::string& metric : f.metrics) st.BindText(next++, metric);
}

}  // namespace

absl::Status CurveRepository::Upsert(const std::vector<CurvePoint>& points) {
  for (const CurvePoint& p : points) DEPTHLAB_RETURN_IF_ERROR(Validate(p));
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st,
        tx.Prepare("INSERT INTO curve_points (sweep_id, metric, granularity, recovery, k, "
                   "removed_units, task, accuracy, n, stderr, perplexity, extra) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                   "ON CONFLICT (sweep_id, metric, granularity, recovery, k, task) DO UPDATE SET "
                   "removed_units = excluded.removed_units, accuracy = excluded.accuracy, "
                   "n = excluded.n, stderr = excluded.stderr, perplexity = excluded.perplexity, "
                   "extra = excluded.extra"));
    for (const CurvePoint& p : points) {
      DEPTHLAB_RETURN_IF_ERROR(internal::LoadSweepState(tx, p.sweep_id).status());
      DEPTHLAB_RETURN_IF_ERROR(InsertPoint(st, p));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<CurvePoint>> CurveRepository::GetBySweep(int64_t sweep_id) {
  return store_.Transact<std::vector<CurvePoint>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<CurvePoint>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare(absl::StrCat("SELECT ", kPointColumns,
                                    " FROM curve_points c WHERE c.sweep_id = ?1 "
                                    "ORDER BY c.metric, c.granularity, c.recovery, c.task, c.k")));
        st.BindInt(1, sweep_id);
        std::vector<CurvePoint> points;
        while (true) {
          DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
          if (!found) return points;
          points.push_back(ReadPoint(st));
        }
      });
}

absl::StatusOr<std::vector<ModelCurvePoint>> CurveRepository::AllPoints() {
  return store_.Transact<std::vector<ModelCurvePoint>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<ModelCurvePoint>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare(absl::StrCat("SELECT ", kPointColumns, kWithModel,
                                    "ORDER BY c.sweep_id, c.metric, c.granularity, c.recovery, "
                                    "c.task, c.k")));
        return ReadModelPoints(st);
      });
}

absl::StatusOr<std::vector<ModelCurvePoint>> CurveRepository::Compare(const CurveFilter& filter) {
  return store_.Transact<std::vector<ModelCurvePoint>>(
      [&](Transaction& tx) -> absl::StatusOr<std::vector<ModelCurvePoint>> {
        DEPTHLAB_ASSIGN_OR_RETURN(
            Statement st,
            tx.Prepare(absl::StrCat("SELECT ", kPointColumns, kWithModel, CompareWhere(filter),
                                    " ORDER BY c.task, c.granularity, c.recovery, c.k, "
                                    "m.content_hash, c.metric, c.sweep_id")));
        BindCompare(st, filter);
        return ReadModelPoints(st);
      });
}

}  // namespace depthlab::store
