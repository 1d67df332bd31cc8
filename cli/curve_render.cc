#include "cli/curve_render.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/enum_names.h"
#include "cli/table.h"

namespace depthlab::cli {
namespace {

// One curve: the points of one (sweep, model, metric, granularity, recovery) for one task.
struct Curve {
  std::string key;
  const v1::CurvePoint* first = nullptr;
  std::map<int, const v1::CurvePoint*> by_k;
  std::string label;
};

// Task -> its curves in order of first appearance.
using CurvesByTask = std::map<int, std::vector<Curve>>;

CurvesByTask Group(const google::protobuf::RepeatedPtrField<v1::CurvePoint>& points,
                   const std::function<std::string(const v1::CurvePoint&)>& key_of) {
  CurvesByTask grouped;
  for (const v1::CurvePoint& point : points) {
    std::vector<Curve>& curves = grouped[point.task()];
    const std::string key = key_of(point);
    auto it =
        std::find_if(curves.begin(), curves.end(), [&](const Curve& c) { return c.key == key; });
    if (it == curves.end()) it = curves.insert(curves.end(), Curve{key, &point, {}, ""});
    it->by_k[point.units_removed()] = &point;
  }
  return grouped;
}

bool HasRecovery(const v1::CurvePoint& point) {
  return !point.recovery().empty() && point.recovery() != "none";
}

std::string MetricLabel(const v1::CurvePoint& point) {
  std::string label = FriendlyName(point.metric());
  if (HasRecovery(point)) absl::StrAppend(&label, "/", point.recovery());
  return label;
}

// "/models/llama-2-7b/" -> "llama-2-7b".
std::string ModelName(std::string model) {
  while (model.size() > 1 && model.back() == '/') model.pop_back();
  const size_t slash = model.rfind('/');
  return slash == std::string::npos ? model : model.substr(slash + 1);
}

std::string FormatValue(v1::TaskKind task, double value) {
  if (task == v1::TASK_KIND_PERPLEXITY) return absl::StrFormat("%.2f", value);
  return absl::StrFormat("%.3f", value);
}

// The units `point` removes that `previous` (null: none) keeps, joined by "+".
std::string UnitsAdded(const v1::CurvePoint& point, const v1::CurvePoint* previous) {
  std::set<std::string> before;
  if (previous != nullptr)
    before.insert(previous->removed_units().begin(), previous->removed_units().end());
  std::vector<std::string> added;
  for (const std::string& unit : point.removed_units()) {
    if (before.count(unit) == 0) added.push_back(unit);
  }
  return absl::StrJoin(added, "+");
}

std::string Title(v1::TaskKind task, bool with_units) {
  std::string title = task == v1::TASK_KIND_PERPLEXITY
                          ? "perplexity: exp(mean NLL) with k units removed (lower is better)"
                          : absl::StrCat(FriendlyName(task), ": accuracy with k units removed");
  if (with_units) absl::StrAppend(&title, "; cell: value (unit removed at k)");
  return title;
}

// Cells of one curve: values right-aligned among themselves, then the unit removed at k.
std::map<int, std::string> Cells(v1::TaskKind task, const Curve& curve, bool with_units) {
  size_t width = 0;
  for (const auto& [k, point] : curve.by_k) {
    width = std::max(width, FormatValue(task, point->accuracy()).size());
  }
  std::map<int, std::string> cells;
  const v1::CurvePoint* previous = nullptr;
  for (const auto& [k, point] : curve.by_k) {
    const std::string value = FormatValue(task, point->accuracy());
    std::string cell = std::string(width - value.size(), ' ') + value;
    const std::string units = UnitsAdded(*point, previous);
    if (with_units && k > 0 && !units.empty()) absl::StrAppend(&cell, " (", units, ")");
    cells[k] = cell;
    previous = point;
  }
  return cells;
}

std::string RenderTask(v1::TaskKind task, const std::vector<Curve>& curves, bool with_units) {
  std::vector<std::string> header = {"k"};
  std::vector<std::map<int, std::string>> columns;
  std::set<int> ks;
  for (const Curve& curve : curves) {
    header.push_back(curve.label);
    columns.push_back(Cells(task, curve, with_units));
    for (const auto& [k, point] : curve.by_k) ks.insert(k);
  }
  TextTable table(header, {true});
  for (int k : ks) {
    std::vector<std::string> row = {absl::StrCat(k)};
    for (const auto& cells : columns) {
      auto it = cells.find(k);
      row.push_back(it == cells.end() ? "" : it->second);
    }
    table.AddRow(std::move(row));
  }
  return absl::StrCat(Title(task, with_units), "\n", table.Render());
}

std::string RenderAll(const CurvesByTask& grouped, bool with_units) {
  std::vector<std::string> tables;
  for (const auto& [task, curves] : grouped) {
    tables.push_back(RenderTask(static_cast<v1::TaskKind>(task), curves, with_units));
  }
  return absl::StrJoin(tables, "\n");
}

// Comparison labels: model/metric[/recovery][/granularity], then [sweep id] where still equal.
void LabelComparison(std::vector<Curve>& curves) {
  std::set<int> granularities;
  for (const Curve& c : curves) granularities.insert(c.first->granularity());
  std::map<std::string, int> uses;
  for (Curve& c : curves) {
    c.label = absl::StrCat(ModelName(c.first->model()), "/", MetricLabel(*c.first));
    if (granularities.size() > 1)
      absl::StrAppend(&c.label, "/", FriendlyName(c.first->granularity()));
    ++uses[c.label];
  }
  for (Curve& c : curves) {
    if (uses[c.label] > 1) absl::StrAppend(&c.label, " [", c.first->sweep_id(), "]");
  }
}

}  // namespace

std::string RenderCurves(const v1::GetCurvesResponse& response) {
  CurvesByTask grouped = Group(response.points(), [](const v1::CurvePoint& p) {
    return absl::StrCat(p.metric(), "|", p.recovery());
  });
  for (auto& [task, curves] : grouped) {
    for (Curve& curve : curves) curve.label = MetricLabel(*curve.first);
    std::stable_sort(curves.begin(), curves.end(), [](const Curve& a, const Curve& b) {
      const auto order = [](const v1::CurvePoint& p) {
        return std::make_tuple(p.metric(), HasRecovery(p), p.recovery());
      };
      return order(*a.first) < order(*b.first);
    });
  }
  return RenderAll(grouped, /*with_units=*/true);
}

std::string RenderComparison(const v1::CompareSweepsResponse& response) {
  CurvesByTask grouped = Group(response.points(), [](const v1::CurvePoint& p) {
    return absl::StrCat(p.sweep_id(), "|", p.model(), "|", p.metric(), "|", p.granularity(), "|",
                        p.recovery());
  });
  for (auto& [task, curves] : grouped) LabelComparison(curves);
  return RenderAll(grouped, /*with_units=*/false);
}

}  // namespace depthlab::cli
