#include "store/sweep_repository.h"

#include <algorithm>
#include <limits>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "store/statement.h"
#include "store/sweep_lifecycle.h"
#include "store/transaction.h"

namespace depthlab::store {
namespace {

constexpr char kSelect[] =
    "SELECT s.id, s.request_id, s.name, s.model_id, m.content_hash, s.spec, s.state, s.priority, "
    "s.error, s.created_at, s.updated_at, s.finished_at "
    "FROM sweeps s JOIN models m ON m.id = s.model_id ";

constexpr char kTokenPrefix[] = "sweeps-before:";

absl::StatusOr<SweepRow> ReadSweep(const Statement& st) {
  SweepRow row;
  row.id = st.ColumnInt(0);
  row.request_id = st.ColumnText(1);
  row.name = st.ColumnText(2);
  row.model_id = st.ColumnInt(3);
  row.model_hash = st.ColumnText(4);
  row.spec = st.ColumnBlob(5);
  DEPTHLAB_ASSIGN_OR_RETURN(row.state, ParseRunState(st.ColumnText(6)));
  row.priority = static_cast<int>(st.ColumnInt(7));
  row.error = st.ColumnText(8);
  row.created_at = st.ColumnTime(9);
  row.updated_at = st.ColumnTime(10);
  row.finished_at = st.ColumnOptionalTime(11);
  return row;
}

absl::Status LoadLabels(Transaction& tx, SweepRow& sweep) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT key, value FROM sweep_labels WHERE sweep_id = ?1"));
  st.BindInt(1, sweep.id);
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) return absl::OkStatus();
    sweep.labels[st.ColumnText(0)] = st.ColumnText(1);
  }
}

absl::StatusOr<SweepRow> GetSweep(Transaction& tx, int64_t id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare(absl::StrCat(kSelect, "WHERE s.id = ?1")));
  st.BindInt(1, id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("sweeps: no sweep with id ", id));
  DEPTHLAB_ASSIGN_OR_RETURN(SweepRow sweep, ReadSweep(st));
  DEPTHLAB_RETURN_IF_ERROR(LoadLabels(tx, sweep));
  return sweep;
}

// The id of the sweep submitted with `request_id`, or 0.
absl::StatusOr<int64_t> FindByRequestId(Transaction& tx, absl::string_view request_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st,
                            tx.Prepare("SELECT id FROM sweeps WHERE request_id = ?1"));
  st.BindText(1, request_id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  return found ? st.ColumnInt(0) : 0;
}

absl::Status CheckModel(Transaction& tx, int64_t model_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(Statement st, tx.Prepare("SELECT 1 FROM models WHERE id = ?1"));
  st.BindInt(1, model_id);
  DEPTHLAB_ASSIGN_OR_RETURN(const bool found, st.Step());
  if (found) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("sweeps.model_id: no model with id ", model_id,
                                          " (store it with ModelRepository::Upsert first)"));
}

absl::Status InsertLabels(Transaction& tx, int64_t sweep_id,
                          const std::map<std::string, std::string>& labels) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("INSERT INTO sweep_labels (sweep_id, key, value) VALUES (?1, ?2, ?3)"));
  for (const auto& [key, value] : labels) {
    if (key.empty()) return absl::InvalidArgumentError("sweeps.labels: empty label key");
    st.BindInt(1, sweep_id).BindText(2, key).BindText(3, value);
    DEPTHLAB_RETURN_IF_ERROR(st.Run());
    DEPTHLAB_RETURN_IF_ERROR(st.Reset());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InsertSweep(Transaction& tx, const NewSweep& sweep, absl::Time now) {
  DEPTHLAB_RETURN_IF_ERROR(CheckModel(tx, sweep.model_id));
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare("INSERT INTO sweeps (request_id, name, model_id, spec, state, priority, "
                 "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'PENDING', ?5, ?6, ?6)"));
  st.BindTextOrNull(1, sweep.request_id).BindText(2, sweep.name).BindInt(3, sweep.model_id);
  st.BindBlob(4, sweep.spec).BindInt(5, sweep.priority).BindTime(6, now);
  DEPTHLAB_RETURN_IF_ERROR(st.Run());
  const int64_t id = tx.LastInsertRowId();
  DEPTHLAB_RETURN_IF_ERROR(InsertLabels(tx, id, sweep.labels));
  return id;
}

std::string EncodeToken(int64_t before_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, before_id));
}

// The id that the next page starts below; max int64 for the first page.
absl::StatusOr<int64_t> DecodeToken(absl::string_view token) {
  if (token.empty()) return std::numeric_limits<int64_t>::max();
  std::string decoded;
  if (absl::WebSafeBase64Unescape(token, &decoded)) {
    absl::string_view text = decoded;
    int64_t id = 0;
    if (absl::ConsumePrefix(&text, kTokenPrefix) && absl::SimpleAtoi(text, &id)) return id;
  }
  return absl::InvalidArgumentError(
      "page_token: not a token returned by an earlier List call (pass \"\" for the first page)");
}

absl::StatusOr<SweepPage> ListPage(Transaction& tx, const SweepFilter& filter, int page_size,
                                   int64_t before_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(
      Statement st,
      tx.Prepare(absl::StrCat(kSelect,
                              "WHERE s.id < ?1 AND (?2 IS NULL OR s.state = ?2) "
                              "AND (?3 = '' OR m.content_hash = ?3) ORDER BY s.id DESC LIMIT ?4")));
  st.BindInt(1, before_id).BindText(3, filter.model_hash).BindInt(4, page_size + 1);
  if (filter.state.has_value()) {
    st.BindText(2, RunStateName(*filter.state));
  } else {
    st.BindNull(2);
  }
  SweepPage page;
  while (true) {
    DEPTHLAB_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    if (static_cast<int>(page.sweeps.size()) == page_size) {
      page.next_page_token = EncodeToken(page.sweeps.back().id);
      break;
    }
    DEPTHLAB_ASSIGN_OR_RETURN(SweepRow sweep, ReadSweep(st));
    page.sweeps.push_back(std::move(sweep));
  }
  for (SweepRow& sweep : page.sweeps) DEPTHLAB_RETURN_IF_ERROR(LoadLabels(tx, sweep));
  return page;
}

}  // namespace

absl::StatusOr<CreateSweepResult> SweepRepository::Create(const NewSweep& sweep, absl::Time now) {
  return store_.Transact<CreateSweepResult>(
      [&](Transaction& tx) -> absl::StatusOr<CreateSweepResult> {
        CreateSweepResult result;
        int64_t id = 0;
        if (!sweep.request_id.empty()) {
          DEPTHLAB_ASSIGN_OR_RETURN(id, FindByRequestId(tx, sweep.request_id));
        }
        result.created = id == 0;
        if (result.created) {
          DEPTHLAB_ASSIGN_OR_RETURN(id, InsertSweep(tx, sweep, now));
        }
        DEPTHLAB_ASSIGN_OR_RETURN(result.sweep, GetSweep(tx, id));
        return result;
      });
}

absl::StatusOr<SweepRow> SweepRepository::Get(int64_t id) {
  return store_.Transact<SweepRow>([&](Transaction& tx) { return GetSweep(tx, id); });
}

absl::StatusOr<SweepPage> SweepRepository::List(const SweepFilter& filter, int page_size,
                                                absl::string_view page_token) {
  if (page_size <= 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  DEPTHLAB_ASSIGN_OR_RETURN(const int64_t before_id, DecodeToken(page_token));
  return store_.Transact<SweepPage>(
      [&](Transaction& tx) { return ListPage(tx, filter, page_size, before_id); });
}

absl::Status SweepRepository::SetState(int64_t id, RunState state, absl::string_view error,
                                       absl::Time now) {
  return store_.RunInTransaction([&](Transaction& tx) -> absl::Status {
    DEPTHLAB_ASSIGN_OR_RETURN(const RunState current, internal::LoadSweepState(tx, id));
    if (current == state) return absl::OkStatus();
    if (IsTerminal(state)) {
      return internal::FinishSweep(tx, id, state, error, /*failed_stage_id=*/0, now).status();
    }
    if (IsTerminal(current) || state == RunState::kPending) {
      return absl::FailedPreconditionError(absl::StrCat(
          "sweep ", id, " cannot move from ", RunStateName(current), " to ", RunStateName(state)));
    }
    DEPTHLAB_ASSIGN_OR_RETURN(
        Statement st, tx.Prepare("UPDATE sweeps SET state = ?2, updated_at = ?3 WHERE id = ?1"));
    st.BindInt(1, id).BindText(2, RunStateName(state)).BindTime(3, now);
    return st.Run();
  });
}

absl::StatusOr<CancelledJobs> SweepRepository::Cancel(int64_t id, absl::Time now) {
  return store_.Transact<CancelledJobs>([&](Transaction& tx) -> absl::StatusOr<CancelledJobs> {
    DEPTHLAB_ASSIGN_OR_RETURN(const RunState current, internal::LoadSweepState(tx, id));
    if (current == RunState::kCancelled) return CancelledJobs();
    return internal::FinishSweep(tx, id, RunState::kCancelled, "", /*failed_stage_id=*/0, now);
  });
}

}  // namespace depthlab::store
