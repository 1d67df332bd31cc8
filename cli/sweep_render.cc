#include "cli/sweep_render.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/enum_names.h"
#include "cli/table.h"

namespace depthlab::cli {
namespace {

std::string FormatCreated(int64_t unix_micros) {
  if (unix_micros <= 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(unix_micros), absl::UTCTimeZone());
}

// "cosine, loss_shapley (permutation)": the Shapley estimator is named when a Shapley metric runs.
std::string MetricList(const v1::SweepSpec& spec) {
  std::vector<std::string> names;
  bool shapley = false;
  for (int metric : spec.metrics()) {
    names.push_back(FriendlyName(static_cast<v1::Metric>(metric)));
    shapley = shapley || metric == v1::METRIC_LOSS_SHAPLEY || metric == v1::METRIC_LOGIT_SHAPLEY ||
              metric == v1::METRIC_TASK_SHAPLEY;
  }
  std::string out = absl::StrJoin(names, ", ");
  if (shapley) {
    const v1::Estimator estimator = spec.shapley().estimator() == v1::ESTIMATOR_UNSPECIFIED
                                        ? v1::ESTIMATOR_PAPER_LOO
                                        : spec.shapley().estimator();
    absl::StrAppend(&out, " (", FriendlyName(estimator), ")");
  }
  return out;
}

std::string TaskList(const v1::SweepSpec& spec) {
  std::vector<std::string> names;
  for (const v1::TaskSpec& task : spec.tasks()) names.push_back(FriendlyName(task.kind()));
  return absl::StrJoin(names, ", ");
}

// Removal order shown top down: by rank when ranked, else by value (most influential first).
bool ByRank(const v1::InfluenceEntry* a, const v1::InfluenceEntry* b) {
  if ((a->rank() > 0) != (b->rank() > 0)) return a->rank() > 0;
  if (a->rank() != b->rank()) return a->rank() < b->rank();
  if (a->value() != b->value()) return a->value() > b->value();
  return a->unit() < b->unit();
}

std::string RenderMetricInfluence(v1::Metric metric,
                                  std::vector<const v1::InfluenceEntry*> entries) {
  std::sort(entries.begin(), entries.end(), ByRank);
  bool intervals = false, evaluations = false;
  for (const v1::InfluenceEntry* e : entries) {
    intervals = intervals || e->rank_lo() > 0 || e->rank_hi() > 0;
    evaluations = evaluations || e->evaluations() > 0;
  }
  std::vector<std::string> header = {"RANK", "UNIT", "INFLUENCE"};
  if (intervals) header.push_back("RANK INTERVAL");
  if (evaluations) header.push_back("EVALUATIONS");
  TextTable table(header, {true, false, false, true, true});
  for (const v1::InfluenceEntry* e : entries) {
    std::vector<std::string> row = {e->rank() > 0 ? absl::StrCat(e->rank()) : "-", e->unit(),
                                    FormatInfluence(e->value(), e->stderr())};
    if (intervals) row.push_back(absl::StrCat("[", e->rank_lo(), ", ", e->rank_hi(), "]"));
    if (evaluations) row.push_back(absl::StrCat(e->evaluations()));
    table.AddRow(std::move(row));
  }
  return absl::StrCat("influence: ", FriendlyName(metric), " (", entries.size(),
                      " units; rank 1 = most influential, removed last)\n", table.Render());
}

}  // namespace

std::string FormatInfluence(double value, double stderr_value) {
  std::string out = absl::StrFormat("%.4g", value);
  if (stderr_value > 0) absl::StrAppend(&out, absl::StrFormat(" ± %.2g", stderr_value));
  return out;
}

std::string RenderSweepList(const std::vector<v1::Sweep>& sweeps) {
  TextTable table({"ID", "NAME", "STATE", "JOBS", "MODEL", "CREATED (UTC)"},
                  {false, false, false, true, false, false});
  for (const v1::Sweep& sweep : sweeps) {
    table.AddRow({sweep.id(), sweep.spec().name(), FriendlyName(sweep.state()),
                  absl::StrCat(sweep.jobs_done(), "/", sweep.jobs_total()), sweep.spec().model(),
                  FormatCreated(sweep.created_unix_micros())});
  }
  return table.Render();
}

std::string RenderSweepHeader(const v1::Sweep& sweep) {
  const v1::SweepSpec& spec = sweep.spec();
  std::string out = absl::StrCat("sweep ", sweep.id());
  if (!spec.name().empty()) absl::StrAppend(&out, " (", spec.name(), ")");
  absl::StrAppend(&out, ": ", FriendlyName(sweep.state()), ", ", sweep.jobs_done(), "/",
                  sweep.jobs_total(), " jobs\n");
  absl::StrAppend(&out, "model ", spec.model(), ", granularity ", FriendlyName(spec.granularity()),
                  ", metrics ", MetricList(spec), ", tasks ", TaskList(spec), "\n");
  if (!sweep.error().empty()) absl::StrAppend(&out, "error: ", sweep.error(), "\n");
  return out;
}

std::string RenderInfluence(const v1::GetInfluenceResponse& response) {
  std::map<int, std::vector<const v1::InfluenceEntry*>> by_metric;
  for (const v1::InfluenceEntry& entry : response.entries()) {
    by_metric[entry.metric()].push_back(&entry);
  }
  std::vector<std::string> tables;
  tables.reserve(by_metric.size());
  for (const auto& [metric, entries] : by_metric) {
    tables.push_back(RenderMetricInfluence(static_cast<v1::Metric>(metric), entries));
  }
  return absl::StrJoin(tables, "\n");
}

}  // namespace depthlab::cli
