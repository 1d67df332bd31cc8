#include "coordinator/sweeps/aggregate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "coordinator/planner/planner.h"

namespace depthlab::sweeps {
namespace {

namespace v1 = ::depthlab::v1;

// "METRIC_LOSS_SHAPLEY" -> "loss_shapley".
std::string ShortName(const std::string& full, const std::string& prefix) {
  return absl::AsciiStrToLower(full.substr(std::min(full.size(), prefix.size())));
}

void Add(const v1::UnitSums& x, v1::UnitSums* into) {
  into->set_cosine_sum(into->cosine_sum() + x.cosine_sum());
  into->set_relative_l1_sum(into->relative_l1_sum() + x.relative_l1_sum());
  into->set_relative_l2_sum(into->relative_l2_sum() + x.relative_l2_sum());
  into->set_tokens(into->tokens() + x.tokens());
}

void AddAll(const google::protobuf::RepeatedPtrField<v1::UnitSums>& xs,
            std::vector<v1::UnitSums>* into) {
  if (into->size() < static_cast<size_t>(xs.size())) into->resize(xs.size());
  for (int i = 0; i < xs.size(); ++i) Add(xs[i], &(*into)[i]);
}

void AddTask(const v1::TaskSums& x, v1::TaskSums* into) {
  into->set_correct(into->correct() + x.correct());
  into->set_correct_alt(into->correct_alt() + x.correct_alt());
  into->set_items(into->items() + x.items());
  into->set_nll_sum(into->nll_sum() + x.nll_sum());
  into->set_tokens(into->tokens() + x.tokens());
  into->set_sequence_perplexity_sum(into->sequence_perplexity_sum() + x.sequence_perplexity_sum());
  into->set_sequences(into->sequences() + x.sequences());
}

double MetricOf(const v1::UnitSums& s, v1::Metric metric) {
  if (s.tokens() == 0) return 0;
  const double sum = metric == v1::METRIC_COSINE        ? s.cosine_sum()
                     : metric == v1::METRIC_RELATIVE_L1 ? s.relative_l1_sum()
                                                        : s.relative_l2_sum();
  return sum / static_cast<double>(s.tokens());
}

// Ranks 1..n by value, highest first, ties to the lower index.
std::vector<int> Ranks(const std::vector<double>& values) {
  std::vector<int> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return values[a] > values[b]; });
  std::vector<int> rank(values.size());
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<int>(i) + 1;
  return rank;
}

absl::StatusOr<v1::EvaluationValue> ParseValue(const Found& found, const std::string& key) {
  auto it = found.find(key);
  v1::EvaluationValue value;
  if (it == found.end() || !value.ParseFromString(it->second)) {
    return absl::DataLossError(absl::StrCat("evaluation ", key, ": missing or unreadable"));
  }
  return value;
}

v1::TaskSums SumTask(const std::vector<Evaluation>& required, const Found& found, int task_index,
                     const std::string& mask, absl::Status* status) {
  v1::TaskSums total;
  for (const Evaluation& e : required) {
    if (e.data.task_index != task_index || e.mask != mask) continue;
    absl::StatusOr<v1::EvaluationValue> v = ParseValue(found, e.key);
    if (!v.ok()) {
      *status = v.status();
      return total;
    }
    AddTask(v->task(), &total);
  }
  return total;
}

store::CurvePoint PointOf(v1::TaskKind kind, const v1::TaskSums& sums) {
  store::CurvePoint p;
  if (kind == v1::TASK_KIND_PERPLEXITY) {
    p.n = sums.sequences();
    p.accuracy = sums.tokens() > 0 ? std::exp(sums.nll_sum() / sums.tokens()) : 0;
    p.perplexity = p.accuracy;
    const double mean_seq =
        sums.sequences() > 0 ? sums.sequence_perplexity_sum() / sums.sequences() : 0;
    p.extra = absl::StrCat("{\"mean_sequence_perplexity\":", mean_seq, "}");
    return p;
  }
  p.n = sums.items();
  const double n = std::max<double>(1, sums.items());
  p.accuracy = sums.correct() / n;
  p.std_error = std::sqrt(p.accuracy * (1 - p.accuracy) / n);
  if (kind == v1::TASK_KIND_ARC)
    p.extra = absl::StrCat("{\"acc_norm\":", sums.correct_alt() / n, "}");
  if (kind == v1::TASK_KIND_GSM8K)
    p.extra = absl::StrCat("{\"flexible\":", sums.correct_alt() / n, "}");
  return p;
}

}  // namespace

std::string MetricName(v1::Metric metric) { return ShortName(v1::Metric_Name(metric), "METRIC_"); }

absl::StatusOr<v1::Metric> ParseMetricName(const std::string& name) {
  v1::Metric metric;
  if (!v1::Metric_Parse("METRIC_" + absl::AsciiStrToUpper(name), &metric)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown metric \"", name, "\""));
  }
  return metric;
}

std::string GranularityName(v1::Granularity g) {
  return ShortName(v1::Granularity_Name(g), "GRANULARITY_");
}

std::string TaskName(v1::TaskKind kind) { return ShortName(v1::TaskKind_Name(kind), "TASK_KIND_"); }

absl::StatusOr<ProfileSums> SumProfiles(const std::vector<Evaluation>& required,
                                        const Found& found) {
  ProfileSums sums;
  for (const Evaluation& e : required) {
    auto it = found.find(e.key);
    v1::JobResult result;
    if (it == found.end() || !result.ParseFromString(it->second)) {
      return absl::DataLossError(absl::StrCat("profile ", e.key, ": missing or unreadable"));
    }
    AddAll(result.sublayer_sums(), &sums.sublayers);
    AddAll(result.block_sums(), &sums.blocks);
  }
  return sums;
}

std::vector<store::InfluenceRow> StaticInfluence(const ProfileSums& sums, v1::Metric metric,
                                                 v1::Granularity granularity, int num_layers) {
  const std::vector<std::string> players = planner::PlayerNames(granularity, num_layers);
  std::vector<double> values;
  for (size_t p = 0; p < players.size(); ++p) {
    const int i = static_cast<int>(p);
    const v1::UnitSums empty;
    auto at = [&](const std::vector<v1::UnitSums>& v, int j) -> const v1::UnitSums& {
      return j < static_cast<int>(v.size()) ? v[j] : empty;
    };
    switch (granularity) {
      case v1::GRANULARITY_ATTENTION:
        values.push_back(MetricOf(at(sums.sublayers, 2 * i), metric));
        break;
      case v1::GRANULARITY_MLP:
        values.push_back(MetricOf(at(sums.sublayers, 2 * i + 1), metric));
        break;
      case v1::GRANULARITY_SUBLAYER:
        values.push_back(MetricOf(at(sums.sublayers, i), metric));
        break;
      default:
        values.push_back(MetricOf(at(sums.blocks, i), metric));
    }
  }
  const std::vector<int> rank = Ranks(values);
  std::vector<store::InfluenceRow> rows;
  for (size_t p = 0; p < players.size(); ++p) {
    store::InfluenceRow row;
    row.unit = players[p];
    row.value = values[p];
    row.rank = rank[p];
    rows.push_back(row);
  }
  return rows;
}

ValueSpec ValueSpecOf(v1::Metric metric) {
  if (metric == v1::METRIC_LOGIT_SHAPLEY) {
    return {v1::JOB_KIND_COALITIONS, v1::VALUE_KIND_LOGIT_DISTANCE, DataRef::kCalibration};
  }
  if (metric == v1::METRIC_TASK_SHAPLEY) {
    return {v1::JOB_KIND_COALITIONS, v1::VALUE_KIND_TASK, DataRef::kShapleyTask};
  }
  return {v1::JOB_KIND_COALITIONS, v1::VALUE_KIND_LOSS, DataRef::kCalibration};
}

absl::StatusOr<shapley::EstimatorOptions> EstimatorOptionsOf(const v1::SweepSpec& spec,
                                                             int num_players) {
  const std::string name = ShortName(v1::Estimator_Name(spec.shapley().estimator()), "ESTIMATOR_");
  shapley::EstimatorOptions options;
  DEPTHLAB_ASSIGN_OR_RETURN(options.kind, shapley::ParseEstimatorKind(name));
  options.num_players = num_players;
  options.seed = spec.shapley().seed();
  const bool fixed = options.kind == shapley::EstimatorKind::kPaperLoo ||
                     options.kind == shapley::EstimatorKind::kExact;
  options.budget =
      fixed ? 0 : std::max<int64_t>(spec.shapley().budget(), shapley::MinimumBudget(options));
  options.target_stderr = spec.shapley().target_stderr();
  options.batch_size = 1 << 20;
  DEPTHLAB_RETURN_IF_ERROR(shapley::ValidateOptions(options));
  return options;
}

absl::StatusOr<std::vector<double>> CoalitionValues(const std::vector<Evaluation>& required,
                                                    const Found& found,
                                                    const std::vector<std::string>& masks,
                                                    v1::ValueKind value_kind) {
  std::map<std::string, std::pair<double, double>> totals;  // mask -> (numerator, denominator)
  for (const Evaluation& e : required) {
    DEPTHLAB_ASSIGN_OR_RETURN(v1::EvaluationValue v, ParseValue(found, e.key));
    auto& [num, den] = totals[e.mask];
    if (value_kind == v1::VALUE_KIND_TASK) {
      num += v.task().correct();
      den += static_cast<double>(v.task().items());
    } else {
      num += v.sum();
      den += static_cast<double>(v.count());
    }
  }
  std::vector<double> values;
  for (const std::string& mask : masks) {
    const auto& [num, den] = totals[mask];
    if (den <= 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "coalition ", mask, ": no tokens or items were evaluated (is the data empty?)"));
    }
    values.push_back(value_kind == v1::VALUE_KIND_TASK ? num / den : -num / den);
  }
  return values;
}

std::vector<store::InfluenceRow> ShapleyInfluence(const shapley::ShapleyResult& result,
                                                  const std::vector<std::string>& players) {
  std::vector<store::InfluenceRow> rows;
  for (size_t p = 0; p < players.size() && p < result.players.size(); ++p) {
    const shapley::PlayerEstimate& e = result.players[p];
    store::InfluenceRow row;
    row.unit = players[p];
    row.value = e.value;
    if (result.has_std_errors && std::isfinite(e.std_error)) row.std_error = e.std_error;
    row.evaluations = e.evaluations;
    row.rank = e.rank;
    row.rank_lo = e.rank_low;
    row.rank_hi = e.rank_high;
    rows.push_back(row);
  }
  return rows;
}

void CurvePlan::AddRanking(v1::Metric metric, const std::vector<double>& influence,
                           const v1::SweepSpec& spec, const v1::SweepPlan& plan) {
  Ranking r;
  r.metric = metric;
  const std::vector<int> order = planner::RemovalOrder(influence);
  const std::vector<std::string> names =
      planner::PlayerNames(spec.granularity(), plan.num_layers());
  for (int k = 0; k <= spec.max_units_removed(); ++k) {
    r.masks.push_back(planner::UnitMask(planner::WithoutFirst(order, k, plan.num_players()),
                                        spec.granularity(), plan.num_layers()));
    if (k > 0) r.removed.push_back(names[order[k - 1]]);
  }
  rankings_.push_back(std::move(r));
}

std::vector<std::string> CurvePlan::DistinctMasks() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Ranking& r : rankings_) {
    for (const std::string& m : r.masks) {
      if (seen.insert(m).second) out.push_back(m);
    }
  }
  return out;
}

absl::StatusOr<std::vector<store::CurvePoint>> CurvePlan::Points(
    const SweepContext& context, const std::vector<Evaluation>& required,
    const Found& found) const {
  std::vector<store::CurvePoint> points;
  absl::Status status;
  std::map<v1::TaskKind, int> seen_kinds;
  std::vector<std::string> task_names;
  for (const v1::TaskSpec& t : context.spec.tasks()) {
    const int repeat = seen_kinds[t.kind()]++;
    task_names.push_back(repeat == 0 ? TaskName(t.kind())
                                     : absl::StrCat(TaskName(t.kind()), "_", repeat + 1));
  }
  for (const Ranking& r : rankings_) {
    for (size_t k = 0; k < r.masks.size(); ++k) {
      for (int t = 0; t < context.spec.tasks_size(); ++t) {
        const v1::TaskSums sums = SumTask(required, found, t, r.masks[k], &status);
        DEPTHLAB_RETURN_IF_ERROR(status);
        store::CurvePoint p = PointOf(context.spec.tasks(t).kind(), sums);
        p.sweep_id = context.sweep_id;
        p.metric = MetricName(r.metric);
        p.granularity = GranularityName(context.spec.granularity());
        p.recovery = "none";
        p.k = static_cast<int>(k);
        p.removed_units = absl::StrJoin(r.removed.begin(), r.removed.begin() + k, ",");
        p.task = task_names[t];
        points.push_back(std::move(p));
      }
    }
  }
  return points;
}

absl::StatusOr<std::vector<store::EvaluationRow>> EvaluationRows(const v1::JobSpec& spec,
                                                                 const v1::JobResult& result,
                                                                 const std::string& code_version) {
  const bool profile = spec.kind() == v1::JOB_KIND_PROFILE;
  const bool calibration = spec.has_calibration() && !spec.has_task();
  const planner::Shard shard =
      calibration
          ? planner::Shard{spec.calibration().first_sequence(), spec.calibration().num_sequences()}
          : planner::Shard{spec.task().first_item(), spec.task().num_items()};
  if (!profile && result.values_size() != spec.masks_size()) {
    return absl::InvalidArgumentError(absl::StrCat("result has ", result.values_size(),
                                                   " values for ", spec.masks_size(), " masks"));
  }
  std::vector<store::EvaluationRow> rows;
  for (int i = 0; i < (profile ? 1 : spec.masks_size()); ++i) {
    store::EvaluationRow row;
    row.model_hash = spec.model_hash();
    row.dataset_hash = spec.dataset_hash();
    row.shard = shard.first;
    row.mask = spec.masks(i);
    row.replacement_hash = "none";
    const v1::ValueKind kind = profile ? v1::VALUE_KIND_UNSPECIFIED : spec.value_kind();
    row.value_kind = profile ? "PROFILE" : v1::ValueKind_Name(kind);
    row.code_version = code_version;
    row.key = planner::EvaluationKey(spec.model_hash(), spec.dataset_hash(), shard, row.mask, kind);
    if (profile) {
      row.result = result.SerializeAsString();
    } else {
      if (!result.values(i).mask().empty() && result.values(i).mask() != spec.masks(i)) {
        return absl::InvalidArgumentError(absl::StrCat("values[", i, "].mask ",
                                                       result.values(i).mask(),
                                                       " is not the job's mask ", spec.masks(i)));
      }
      v1::EvaluationValue value;
      value.set_sum(result.values(i).sum());
      value.set_count(result.values(i).count());
      *value.mutable_task() = result.values(i).task();
      row.result = value.SerializeAsString();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace depthlab::sweeps
