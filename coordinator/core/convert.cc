#include "coordinator/core/convert.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "coordinator/sweeps/aggregate.h"

namespace depthlab::core {

namespace v1 = ::depthlab::v1;

v1::SweepState ToProto(store::RunState state) {
  switch (state) {
    case store::RunState::kPending:
      return v1::SWEEP_STATE_PENDING;
    case store::RunState::kRunning:
      return v1::SWEEP_STATE_RUNNING;
    case store::RunState::kSucceeded:
      return v1::SWEEP_STATE_SUCCEEDED;
    case store::RunState::kFailed:
      return v1::SWEEP_STATE_FAILED;
    case store::RunState::kCancelled:
      return v1::SWEEP_STATE_CANCELLED;
  }
  return v1::SWEEP_STATE_UNSPECIFIED;
}

absl::StatusOr<store::RunState> FromProto(v1::SweepState state) {
  switch (state) {
    case v1::SWEEP_STATE_PENDING:
      return store::RunState::kPending;
    case v1::SWEEP_STATE_RUNNING:
      return store::RunState::kRunning;
    case v1::SWEEP_STATE_SUCCEEDED:
      return store::RunState::kSucceeded;
    case v1::SWEEP_STATE_FAILED:
      return store::RunState::kFailed;
    case v1::SWEEP_STATE_CANCELLED:
      return store::RunState::kCancelled;
    default:
      return absl::InvalidArgumentError("state: unknown sweep state");
  }
}

v1::Sweep ToProto(const store::SweepRow& row, const std::vector<store::StageProgress>& stages) {
  v1::Sweep sweep;
  sweep.set_id(absl::StrCat(row.id));
  sweep.mutable_spec()->ParseFromString(row.spec);
  sweep.set_state(ToProto(row.state));
  sweep.set_error(row.error);
  sweep.set_model_hash(row.model_hash);
  sweep.set_created_unix_micros(absl::ToUnixMicros(row.created_at));
  sweep.set_updated_unix_micros(absl::ToUnixMicros(row.updated_at));
  int total = 0, done = 0, cached = 0;
  for (const store::StageProgress& s : stages) {
    if (s.stage.kind == "plan") continue;
    v1::StageProgress* p = sweep.add_stages();
    // Stage detail (sweeps/sweep_driver.cc): {"metric": ..., "required": n, "cached": m}.
    const nlohmann::json detail = nlohmann::json::parse(s.stage.detail, nullptr, false);
    v1::Metric metric = v1::METRIC_UNSPECIFIED;
    const bool shapley = s.stage.kind == "shapley" && detail.is_object() &&
                         detail.value("metric", "") != "" &&
                         v1::Metric_Parse(detail.value("metric", ""), &metric);
    if (detail.is_object() && detail.contains("cached") && detail["cached"].is_number_integer()) {
      cached += detail["cached"].get<int>();
    }
    p->set_kind(shapley ? absl::StrCat("shapley:", sweeps::MetricName(metric)) : s.stage.kind);
    p->set_state(std::string(store::RunStateName(s.stage.state)));
    p->set_jobs_total(static_cast<int>(s.jobs.total() - s.jobs.cancelled));
    p->set_jobs_done(static_cast<int>(s.jobs.succeeded));
    total += p->jobs_total();
    done += p->jobs_done();
  }
  sweep.set_jobs_total(total);
  sweep.set_jobs_done(done);
  sweep.set_evaluations_cached(cached);
  return sweep;
}

v1::InfluenceEntry ToProto(const store::InfluenceRow& row) {
  v1::InfluenceEntry e;
  absl::StatusOr<v1::Metric> metric = sweeps::ParseMetricName(row.metric);
  if (metric.ok()) e.set_metric(*metric);
  e.set_unit(row.unit);
  e.set_value(row.value);
  e.set_stderr(row.std_error.value_or(0));
  e.set_evaluations(static_cast<int>(row.evaluations));
  e.set_rank(row.rank);
  e.set_rank_lo(row.rank_lo.value_or(row.rank));
  e.set_rank_hi(row.rank_hi.value_or(row.rank));
  return e;
}

v1::CurvePoint ToProto(const store::CurvePoint& point, const std::string& model) {
  v1::CurvePoint p;
  p.set_sweep_id(absl::StrCat(point.sweep_id));
  p.set_model(model);
  absl::StatusOr<v1::Metric> metric = sweeps::ParseMetricName(point.metric);
  if (metric.ok()) p.set_metric(*metric);
  v1::Granularity g;
  if (v1::Granularity_Parse("GRANULARITY_" + absl::AsciiStrToUpper(point.granularity), &g)) {
    p.set_granularity(g);
  }
  p.set_recovery(point.recovery);
  p.set_units_removed(point.k);
  for (absl::string_view u : absl::StrSplit(point.removed_units, ',', absl::SkipEmpty())) {
    p.add_removed_units(std::string(u));
  }
  v1::TaskKind kind;
  const std::string base = point.task.substr(0, point.task.find('_'));  // "arc_2" -> "arc"
  if (v1::TaskKind_Parse("TASK_KIND_" + absl::AsciiStrToUpper(base), &kind)) p.set_task(kind);
  p.set_accuracy(point.accuracy);
  p.set_stderr(point.std_error);
  p.set_n(point.n);
  const nlohmann::json extra =
      nlohmann::json::parse(point.extra.empty() ? "{}" : point.extra, nullptr, false);
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) {
      if (value.is_number()) (*p.mutable_extra())[key] = value.get<double>();
    }
  }
  if (point.perplexity) (*p.mutable_extra())["perplexity"] = *point.perplexity;
  return p;
}

}  // namespace depthlab::core
