#include "coordinator/sweeps/sweep_driver.h"

#include <cmath>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "coordinator/planner/planner.h"
#include "coordinator/shapley/estimator.h"
#include "coordinator/sweeps/aggregate.h"
#include "coordinator/sweeps/evaluations.h"
#include "store/evaluation_cache.h"
#include "store/influence_repository.h"
#include "store/model_repository.h"
#include "store/stage_repository.h"

namespace depthlab::sweeps {
namespace {

namespace v1 = ::depthlab::v1;
using store::RunState;

constexpr char kPlanStage[] = "plan";
constexpr char kProfileStage[] = "profile";
constexpr char kShapleyStage[] = "shapley";
constexpr char kCurveStage[] = "curve";

bool IsStatic(v1::Metric m) {
  return m == v1::METRIC_COSINE || m == v1::METRIC_RELATIVE_L1 || m == v1::METRIC_RELATIVE_L2;
}

v1::SweepPlan PlanOf(const planner::ResolvedSweep& sweep) {
  v1::SweepPlan plan;
  plan.set_model_hash(sweep.model_hash);
  plan.set_num_layers(sweep.num_layers);
  plan.set_num_players(sweep.num_players);
  plan.set_calibration_hash(sweep.calibration_hash);
  for (const planner::ResolvedTask& t : sweep.tasks) {
    plan.add_task_dataset_hashes(t.dataset_hash);
    plan.add_task_items(t.num_items);
  }
  if (sweep.shapley_task) {
    plan.set_shapley_task_hash(sweep.shapley_task->dataset_hash);
    plan.set_shapley_task_items(sweep.shapley_task->num_items);
  }
  return plan;
}

std::vector<store::NewStage> StagesOf(const planner::ResolvedSweep& sweep) {
  std::vector<store::NewStage> stages;
  stages.push_back({0, kPlanStage, PlanOf(sweep).SerializeAsString()});
  bool any_static = false;
  for (int m : sweep.spec.metrics()) any_static |= IsStatic(static_cast<v1::Metric>(m));
  if (any_static) stages.push_back({1, kProfileStage, ""});
  int ordinal = 2;
  for (int m : sweep.spec.metrics()) {
    if (IsStatic(static_cast<v1::Metric>(m))) continue;
    const nlohmann::json detail = {{"metric", v1::Metric_Name(static_cast<v1::Metric>(m))}};
    stages.push_back({ordinal++, kShapleyStage, detail.dump()});
  }
  stages.push_back({ordinal, kCurveStage, ""});
  return stages;
}

// One Advance call over one sweep: its context, stages and the store's repositories.
class Advancer {
 public:
  Advancer(store::Store* store, const SweepDriverOptions& options, absl::Time now)
      : store_(store), options_(options), now_(now), cache_(*store) {}

  absl::StatusOr<AdvanceResult> Run(int64_t sweep_id);

 private:
  absl::Status Load(int64_t sweep_id);
  // Enqueues jobs for `missing` unless the stage still has jobs queued or leased. Returns whether
  // the stage may now be aggregated (nothing missing).
  absl::StatusOr<bool> Require(const store::StageProgress& stage,
                               const std::vector<Evaluation>& required,
                               std::map<std::string, std::string>* found);
  absl::Status Profile(const store::StageProgress& stage);
  absl::Status Shapley(const store::StageProgress& stage);
  absl::Status Curve(const store::StageProgress& stage);
  absl::StatusOr<std::vector<double>> Influence(v1::Metric metric);
  // Records how many of the stage's `required` evaluations came from the cache (those its own
  // jobs did not compute) in its detail, and marks it done.
  absl::Status Finish(const store::StageProgress& stage, int64_t required);

  store::Store* store_;
  const SweepDriverOptions& options_;
  const absl::Time now_;
  store::EvaluationCache cache_;
  SweepContext context_;
  std::string model_path_;
  AdvanceResult result_;
};

absl::Status Advancer::Load(int64_t sweep_id) {
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(store::SweepRow row, sweeps.Get(sweep_id));
  context_.sweep_id = sweep_id;
  if (!context_.spec.ParseFromString(row.spec)) {
    return absl::DataLossError(absl::StrCat("sweep ", sweep_id, ": stored spec does not parse"));
  }
  store::StageRepository stages(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::StageRow> list, stages.ListBySweep(sweep_id));
  if (list.empty() || list[0].kind != kPlanStage ||
      !context_.plan.ParseFromString(list[0].detail)) {
    return absl::DataLossError(absl::StrCat("sweep ", sweep_id, ": no stored plan"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Advancer::Require(const store::StageProgress& stage,
                                       const std::vector<Evaluation>& required,
                                       std::map<std::string, std::string>* found) {
  DEPTHLAB_ASSIGN_OR_RETURN(*found, LookUp(cache_, required));
  std::vector<Evaluation> missing;
  for (const Evaluation& e : required) {
    if (!found->count(e.key)) missing.push_back(e);
  }
  if (missing.empty()) return true;
  if (stage.jobs.queued + stage.jobs.leased > 0) return false;
  std::vector<store::NewJob> jobs;
  for (const v1::JobSpec& spec : context_.Jobs(missing, options_.masks_per_job)) {
    store::NewJob job;
    job.stage_id = stage.stage.id;
    job.kind = v1::JobKind_Name(spec.kind());
    job.payload = spec.SerializeAsString();
    job.model_hash = context_.plan.model_hash();
    job.max_attempts = options_.max_attempts;
    jobs.push_back(std::move(job));
  }
  store::JobRepository queue(*store_);
  DEPTHLAB_RETURN_IF_ERROR(queue.Enqueue(jobs, now_).status());
  result_.jobs_enqueued += static_cast<int>(jobs.size());
  result_.evaluations_cached += static_cast<int>(required.size() - missing.size());
  return false;
}

absl::Status Advancer::Profile(const store::StageProgress& stage) {
  const std::string all(2 * context_.plan.num_layers(), '1');
  const std::vector<Evaluation> required = context_.Evaluations(
      v1::JOB_KIND_PROFILE, v1::VALUE_KIND_UNSPECIFIED, DataRef{DataRef::kCalibration}, {all});
  std::map<std::string, std::string> found;
  DEPTHLAB_ASSIGN_OR_RETURN(bool complete, Require(stage, required, &found));
  if (!complete) return absl::OkStatus();
  DEPTHLAB_ASSIGN_OR_RETURN(ProfileSums sums, SumProfiles(required, found));
  store::InfluenceRepository influence(*store_);
  for (int m : context_.spec.metrics()) {
    const v1::Metric metric = static_cast<v1::Metric>(m);
    if (!IsStatic(metric)) continue;
    DEPTHLAB_RETURN_IF_ERROR(influence.Replace(
        context_.sweep_id, MetricName(metric),
        StaticInfluence(sums, metric, context_.spec.granularity(), context_.plan.num_layers())));
  }
  return Finish(stage, static_cast<int64_t>(required.size()));
}

absl::Status Advancer::Finish(const store::StageProgress& stage, int64_t required) {
  store::JobRepository jobs(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::JobRow> done,
                            jobs.ListByStage(stage.stage.id, store::JobState::kSucceeded));
  int64_t computed = 0;
  for (const store::JobRow& job : done) {
    v1::JobSpec spec;
    if (spec.ParseFromString(job.payload)) {
      computed += spec.kind() == v1::JOB_KIND_PROFILE ? 1 : spec.masks_size();
    }
  }
  nlohmann::json detail = nlohmann::json::parse(stage.stage.detail, nullptr, false);
  if (!detail.is_object()) detail = nlohmann::json::object();
  detail["required"] = required;
  detail["cached"] = std::max<int64_t>(0, required - computed);
  store::StageRepository stages(*store_);
  DEPTHLAB_RETURN_IF_ERROR(stages.SetDetail(stage.stage.id, detail.dump(), now_));
  return stages.MarkDone(stage.stage.id, now_).status();
}

absl::Status Advancer::Shapley(const store::StageProgress& stage) {
  v1::Metric metric;
  const nlohmann::json detail = nlohmann::json::parse(stage.stage.detail, nullptr, false);
  if (!detail.is_object() || !detail.contains("metric") || !detail["metric"].is_string() ||
      !v1::Metric_Parse(detail["metric"].get<std::string>(), &metric)) {
    return absl::DataLossError(absl::StrCat("stage ", stage.stage.id, ": unknown metric"));
  }
  const ValueSpec value = ValueSpecOf(metric);
  DEPTHLAB_ASSIGN_OR_RETURN(shapley::EstimatorOptions options,
                            EstimatorOptionsOf(context_.spec, context_.plan.num_players()));
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<shapley::Estimator> estimator,
                            shapley::MakeEstimator(options));
  int64_t required_total = 0;
  while (!estimator->Done()) {
    const std::vector<shapley::Coalition> ask = estimator->Outstanding();
    std::vector<std::string> masks;
    for (const shapley::Coalition& c : ask) {
      masks.push_back(
          planner::UnitMask(c, context_.spec.granularity(), context_.plan.num_layers()));
    }
    const std::vector<Evaluation> required =
        context_.Evaluations(value.job_kind, value.value_kind, DataRef{value.data}, masks);
    std::map<std::string, std::string> found;
    DEPTHLAB_ASSIGN_OR_RETURN(bool complete, Require(stage, required, &found));
    if (!complete) return absl::OkStatus();
    required_total += static_cast<int64_t>(required.size());
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<double> values,
                              CoalitionValues(required, found, masks, value.value_kind));
    DEPTHLAB_RETURN_IF_ERROR(estimator->Observe(ask, values));
  }
  const std::vector<std::string> players =
      planner::PlayerNames(context_.spec.granularity(), context_.plan.num_layers());
  store::InfluenceRepository influence(*store_);
  DEPTHLAB_RETURN_IF_ERROR(influence.Replace(context_.sweep_id, MetricName(metric),
                                             ShapleyInfluence(estimator->Result(), players)));
  return Finish(stage, required_total);
}

absl::StatusOr<std::vector<double>> Advancer::Influence(v1::Metric metric) {
  store::InfluenceRepository influence(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::InfluenceRow> rows,
                            influence.Get(context_.sweep_id, MetricName(metric)));
  const std::vector<std::string> players =
      planner::PlayerNames(context_.spec.granularity(), context_.plan.num_layers());
  std::map<std::string, double> by_unit;
  for (const store::InfluenceRow& r : rows) by_unit[r.unit] = r.value;
  std::vector<double> values;
  for (const std::string& p : players) {
    auto it = by_unit.find(p);
    if (it == by_unit.end()) {
      return absl::DataLossError(absl::StrCat("sweep ", context_.sweep_id, ": no ",
                                              MetricName(metric), " influence for ", p));
    }
    values.push_back(it->second);
  }
  return values;
}

absl::Status Advancer::Curve(const store::StageProgress& stage) {
  CurvePlan plan;
  for (int m : context_.spec.metrics()) {
    const v1::Metric metric = static_cast<v1::Metric>(m);
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<double> influence, Influence(metric));
    plan.AddRanking(metric, influence, context_.spec, context_.plan);
  }
  std::vector<Evaluation> required;
  for (int t = 0; t < context_.spec.tasks_size(); ++t) {
    const std::vector<Evaluation> e = context_.Evaluations(
        v1::JOB_KIND_TASK_SHARD, v1::VALUE_KIND_TASK, DataRef{t}, plan.DistinctMasks());
    required.insert(required.end(), e.begin(), e.end());
  }
  std::map<std::string, std::string> found;
  DEPTHLAB_ASSIGN_OR_RETURN(bool complete, Require(stage, required, &found));
  if (!complete) return absl::OkStatus();
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::CurvePoint> points,
                            plan.Points(context_, required, found));
  store::CurveRepository curves(*store_);
  DEPTHLAB_RETURN_IF_ERROR(curves.Upsert(points));
  DEPTHLAB_RETURN_IF_ERROR(Finish(stage, static_cast<int64_t>(required.size())));
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_RETURN_IF_ERROR(sweeps.SetState(context_.sweep_id, RunState::kSucceeded, "", now_));
  result_.finished = true;
  if (options_.on_curve) options_.on_curve(context_.spec.model(), points);
  return absl::OkStatus();
}

absl::StatusOr<AdvanceResult> Advancer::Run(int64_t sweep_id) {
  DEPTHLAB_RETURN_IF_ERROR(Load(sweep_id));
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(store::SweepRow row, sweeps.Get(sweep_id));
  if (store::IsTerminal(row.state)) return result_;
  store::StageRepository stages(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::StageProgress> progress, stages.Progress(sweep_id));
  bool rankings_done = true;
  for (const store::StageProgress& stage : progress) {
    if (stage.stage.kind == kPlanStage || stage.stage.kind == kCurveStage) continue;
    if (store::IsTerminal(stage.stage.state)) continue;
    if (stage.stage.kind == kProfileStage) DEPTHLAB_RETURN_IF_ERROR(Profile(stage));
    if (stage.stage.kind == kShapleyStage) DEPTHLAB_RETURN_IF_ERROR(Shapley(stage));
    DEPTHLAB_ASSIGN_OR_RETURN(store::StageRow now_row, stages.Get(stage.stage.id));
    rankings_done &= store::IsTerminal(now_row.state);
  }
  if (!rankings_done) return result_;
  for (const store::StageProgress& stage : progress) {
    if (stage.stage.kind == kCurveStage && !store::IsTerminal(stage.stage.state)) {
      DEPTHLAB_RETURN_IF_ERROR(Curve(stage));
    }
  }
  return result_;
}

}  // namespace

SweepDriver::SweepDriver(store::Store* store, SweepDriverOptions options)
    : store_(store), options_(std::move(options)) {}

absl::StatusOr<store::CreateSweepResult> SweepDriver::Create(const planner::ResolvedSweep& sweep,
                                                             const std::string& request_id,
                                                             absl::Time now) {
  return store_->Transact<store::CreateSweepResult>(
      [&](store::Transaction&) -> absl::StatusOr<store::CreateSweepResult> {
        store::ModelRepository models(*store_);
        store::ModelRow model;
        model.content_hash = sweep.model_hash;
        model.path = sweep.spec.model();
        model.model_type = sweep.model_type;
        model.num_layers = sweep.num_layers;
        DEPTHLAB_ASSIGN_OR_RETURN(store::ModelRow stored, models.Upsert(model, now));
        store::NewSweep row;
        row.request_id = request_id;
        row.name = sweep.spec.name();
        row.model_id = stored.id;
        row.spec = sweep.spec.SerializeAsString();
        row.priority = sweep.spec.priority();
        row.labels = {sweep.spec.labels().begin(), sweep.spec.labels().end()};
        store::SweepRepository sweeps(*store_);
        DEPTHLAB_ASSIGN_OR_RETURN(store::CreateSweepResult created, sweeps.Create(row, now));
        if (!created.created) return created;
        store::StageRepository stages(*store_);
        DEPTHLAB_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                                  stages.Add(created.sweep.id, StagesOf(sweep), now));
        DEPTHLAB_RETURN_IF_ERROR(stages.MarkDone(ids[0], now).status());
        return created;
      });
}

absl::StatusOr<AdvanceResult> SweepDriver::Advance(int64_t sweep_id, absl::Time now) {
  return store_->Transact<AdvanceResult>([&](store::Transaction&) -> absl::StatusOr<AdvanceResult> {
    Advancer advancer(store_, options_, now);
    return advancer.Run(sweep_id);
  });
}

absl::Status SweepDriver::CacheResult(const store::JobRow& job, const v1::JobResult& result,
                                      absl::Time now) {
  v1::JobSpec spec;
  if (!spec.ParseFromString(job.payload)) {
    return absl::DataLossError(absl::StrCat("job ", job.id, ": stored spec does not parse"));
  }
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::EvaluationRow> rows,
                            EvaluationRows(spec, result, planner::kCodeVersion));
  store::EvaluationCache cache(*store_);
  for (const store::EvaluationRow& row : rows) {
    DEPTHLAB_RETURN_IF_ERROR(cache.Put(row, now).status());
  }
  return absl::OkStatus();
}

}  // namespace depthlab::sweeps
