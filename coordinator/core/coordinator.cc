#include "coordinator/core/coordinator.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "coordinator/core/convert.h"
#include "coordinator/planner/sweep_resolver.h"
#include "coordinator/sweeps/aggregate.h"
#include "store/curve_repository.h"
#include "store/influence_repository.h"
#include "store/job_repository.h"
#include "store/stage_repository.h"
#include "store/sweep_repository.h"
#include "store/worker_repository.h"

namespace depthlab::core {
namespace {

namespace v1 = ::depthlab::v1;

sweeps::SweepDriverOptions DriverOptions(const CoordinatorOptions& options,
                                         CoordinatorMetrics* metrics) {
  sweeps::SweepDriverOptions d;
  d.masks_per_job = options.masks_per_job;
  d.max_attempts = options.max_attempts;
  if (metrics != nullptr) {
    d.on_curve = [metrics](const std::string& model, const std::vector<store::CurvePoint>& points) {
      for (const store::CurvePoint& p : points) {
        metrics->SetCurveAccuracy({model, p.metric, p.granularity, p.recovery, p.task, p.k},
                                  p.accuracy);
      }
    };
  }
  return d;
}

}  // namespace

Coordinator::Coordinator(store::Store* store, const CoordinatorOptions& options,
                         CoordinatorMetrics* metrics)
    : store_(store),
      options_(options),
      metrics_(metrics),
      driver_(store, DriverOptions(options, metrics)) {}

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Create(store::Store* store,
                                                                 const CoordinatorOptions& options,
                                                                 CoordinatorMetrics* metrics) {
  std::unique_ptr<Coordinator> c(new Coordinator(store, options, metrics));
  if (metrics != nullptr) {
    store::CurveRepository curves(*store);
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::ModelCurvePoint> points, curves.AllPoints());
    for (const store::ModelCurvePoint& m : points) {
      const store::CurvePoint& p = m.point;
      metrics->SetCurveAccuracy({m.model_path, p.metric, p.granularity, p.recovery, p.task, p.k},
                                p.accuracy);
    }
  }
  DEPTHLAB_RETURN_IF_ERROR(c->ResumeAll());
  c->expiry_thread_ = std::thread([raw = c.get()] { raw->ExpiryLoop(); });
  return c;
}

Coordinator::~Coordinator() {
  {
    absl::MutexLock lock(&change_mu_);
    stopping_ = true;
  }
  if (expiry_thread_.joinable()) expiry_thread_.join();
}

absl::Status Coordinator::ResumeAll() {
  store::SweepRepository sweeps(*store_);
  for (store::RunState state : {store::RunState::kPending, store::RunState::kRunning}) {
    std::string token;
    do {
      store::SweepFilter filter;
      filter.state = state;
      DEPTHLAB_ASSIGN_OR_RETURN(store::SweepPage page, sweeps.List(filter, 100, token));
      for (const store::SweepRow& row : page.sweeps) DEPTHLAB_RETURN_IF_ERROR(Advance(row.id));
      token = page.next_page_token;
    } while (!token.empty());
  }
  return absl::OkStatus();
}

absl::Status Coordinator::Advance(int64_t sweep_id) {
  {
    absl::MutexLock lock(&advance_mu_);
    absl::StatusOr<sweeps::AdvanceResult> r = driver_.Advance(sweep_id, absl::Now());
    if (!r.ok()) {
      // A sweep whose stored state cannot be advanced fails with the reason, instead of stalling.
      store::SweepRepository sweeps(*store_);
      sweeps.SetState(sweep_id, store::RunState::kFailed, r.status().message(), absl::Now())
          .IgnoreError();
    }
  }
  Changed();
  return absl::OkStatus();
}

void Coordinator::Changed() {
  absl::MutexLock lock(&change_mu_);
  ++version_;
}

void Coordinator::WaitForChange(int64_t* version, absl::Duration timeout) {
  absl::MutexLock lock(&change_mu_);
  const int64_t seen = *version;
  auto changed = [&]() ABSL_SHARED_LOCKS_REQUIRED(change_mu_) {
    return version_ != seen || stopping_;
  };
  change_mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  *version = version_;
}

absl::StatusOr<int64_t> Coordinator::ParseSweepId(const std::string& id) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(id, &value) || value <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("sweep_id: \"", id, "\" is not a sweep id"));
  }
  return value;
}

absl::StatusOr<v1::SubmitSweepResponse> Coordinator::Submit(const v1::SweepSpec& spec,
                                                            const std::string& request_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(planner::ResolvedSweep resolved, planner::ResolveSweep(spec));
  absl::StatusOr<store::CreateSweepResult> created;
  {
    absl::MutexLock lock(&advance_mu_);
    created = driver_.Create(resolved, request_id, absl::Now());
  }
  if (!created.ok()) return created.status();
  if (created->created) DEPTHLAB_RETURN_IF_ERROR(Advance(created->sweep.id));
  v1::SubmitSweepResponse response;
  DEPTHLAB_ASSIGN_OR_RETURN(*response.mutable_sweep(), GetSweep(absl::StrCat(created->sweep.id)));
  response.set_created(created->created);
  return response;
}

absl::StatusOr<v1::Sweep> Coordinator::GetSweep(const std::string& sweep_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(int64_t id, ParseSweepId(sweep_id));
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(store::SweepRow row, sweeps.Get(id));
  store::StageRepository stages(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::StageProgress> progress, stages.Progress(id));
  v1::Sweep sweep = ToProto(row, progress);
  if (metrics_ != nullptr && sweep.jobs_total() > 0) {
    metrics_->SetSweepProgress(sweep.id(),
                               static_cast<double>(sweep.jobs_done()) / sweep.jobs_total());
  }
  return sweep;
}

absl::StatusOr<v1::ListSweepsResponse> Coordinator::ListSweeps(
    const v1::ListSweepsRequest& request) {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be >= 0 (got ", request.page_size(), ")"));
  }
  store::SweepFilter filter;
  if (request.state() != v1::SWEEP_STATE_UNSPECIFIED) {
    DEPTHLAB_ASSIGN_OR_RETURN(filter.state, FromProto(request.state()));
  }
  filter.model_hash = request.model();
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(
      store::SweepPage page,
      sweeps.List(filter, request.page_size() > 0 ? std::min(request.page_size(), 500) : 50,
                  request.page_token()));
  v1::ListSweepsResponse response;
  store::StageRepository stages(*store_);
  for (const store::SweepRow& row : page.sweeps) {
    DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::StageProgress> progress, stages.Progress(row.id));
    *response.add_sweeps() = ToProto(row, progress);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::Sweep> Coordinator::Cancel(const std::string& sweep_id) {
  DEPTHLAB_ASSIGN_OR_RETURN(int64_t id, ParseSweepId(sweep_id));
  store::SweepRepository sweeps(*store_);
  {
    absl::MutexLock lock(&advance_mu_);
    DEPTHLAB_RETURN_IF_ERROR(sweeps.Cancel(id, absl::Now()).status());
  }
  Changed();
  return GetSweep(sweep_id);
}

absl::StatusOr<v1::GetInfluenceResponse> Coordinator::GetInfluence(
    const v1::GetInfluenceRequest& request) {
  DEPTHLAB_ASSIGN_OR_RETURN(int64_t id, ParseSweepId(request.sweep_id()));
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_RETURN_IF_ERROR(sweeps.Get(id).status());
  store::InfluenceRepository influence(*store_);
  const std::string metric =
      request.metric() == v1::METRIC_UNSPECIFIED ? "" : sweeps::MetricName(request.metric());
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::InfluenceRow> rows, influence.Get(id, metric));
  v1::GetInfluenceResponse response;
  for (const store::InfluenceRow& row : rows) *response.add_entries() = ToProto(row);
  return response;
}

absl::StatusOr<v1::GetCurvesResponse> Coordinator::GetCurves(const v1::GetCurvesRequest& request) {
  DEPTHLAB_ASSIGN_OR_RETURN(int64_t id, ParseSweepId(request.sweep_id()));
  store::SweepRepository sweeps(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(store::SweepRow row, sweeps.Get(id));
  v1::SweepSpec spec;
  spec.ParseFromString(row.spec);
  store::CurveRepository curves(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::CurvePoint> points, curves.GetBySweep(id));
  v1::GetCurvesResponse response;
  for (const store::CurvePoint& p : points) {
    v1::CurvePoint point = ToProto(p, spec.model());
    if (request.metric() != v1::METRIC_UNSPECIFIED && point.metric() != request.metric()) continue;
    if (request.task() != v1::TASK_KIND_UNSPECIFIED && point.task() != request.task()) continue;
    *response.add_points() = std::move(point);
  }
  return response;
}

absl::StatusOr<v1::CompareSweepsResponse> Coordinator::Compare(
    const v1::CompareSweepsRequest& request) {
  if (request.task() == v1::TASK_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("task: required (mmlu, arc, boolq, gsm8k or perplexity)");
  }
  store::CurveFilter filter;
  filter.task = sweeps::TaskName(request.task());
  for (const std::string& s : request.sweep_ids()) {
    DEPTHLAB_ASSIGN_OR_RETURN(int64_t id, ParseSweepId(s));
    filter.sweep_ids.push_back(id);
  }
  for (int m : request.metrics())
    filter.metrics.push_back(sweeps::MetricName(static_cast<v1::Metric>(m)));
  store::CurveRepository curves(*store_);
  DEPTHLAB_ASSIGN_OR_RETURN(std::vector<store::ModelCurvePoint> points, curves.Compare(filter));
  v1::CompareSweepsResponse response;
  for (const store::ModelCurvePoint& p : points)
    *response.add_points() = ToProto(p.point, p.model_path);
  return response;
}

}  // namespace depthlab::core
