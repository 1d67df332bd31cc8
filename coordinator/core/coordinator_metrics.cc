#include "coordinator/core/coordinator_metrics.h"

#include "absl/strings/str_cat.h"

namespace depthlab::core {

CoordinatorMetrics::CoordinatorMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      jobs_(prometheus::BuildGauge()
                .Name("depthlab_coordinator_jobs")
                .Help("Jobs by state")
                .Register(*registry_)),
      completed_(prometheus::BuildCounter()
                     .Name("depthlab_coordinator_job_completions_total")
                     .Help("Jobs completed, by kind")
                     .Register(*registry_)),
      failed_(prometheus::BuildCounter()
                  .Name("depthlab_coordinator_job_failures_total")
                  .Help("Job attempts reported failed, by kind and whether retryable")
                  .Register(*registry_)),
      expired_(prometheus::BuildCounter()
                   .Name("depthlab_coordinator_lease_expirations_total")
                   .Help("Leases that expired without a report")
                   .Register(*registry_)
                   .Add({})),
      workers_(prometheus::BuildGauge()
                   .Name("depthlab_coordinator_workers_connected")
                   .Help("Workers that heartbeated recently")
                   .Register(*registry_)
                   .Add({})),
      progress_(prometheus::BuildGauge()
                    .Name("depthlab_coordinator_sweep_progress_ratio")
                    .Help("Fraction of a sweep's jobs done")
                    .Register(*registry_)),
      curve_(prometheus::BuildGauge()
                 .Name("depthlab_curve_accuracy")
                 .Help("Task accuracy (perplexity for task=perplexity) with units removed")
                 .Register(*registry_)) {}

void CoordinatorMetrics::SetJobsByState(const std::string& state, double count) {
  jobs_.Add({{"state", state}}).Set(count);
}

void CoordinatorMetrics::RecordJobCompleted(const std::string& kind) {
  completed_.Add({{"kind", kind}}).Increment();
}

void CoordinatorMetrics::RecordJobFailed(const std::string& kind, bool retryable) {
  failed_.Add({{"kind", kind}, {"retryable", retryable ? "true" : "false"}}).Increment();
}

void CoordinatorMetrics::RecordLeaseExpired() { expired_.Increment(); }

void CoordinatorMetrics::SetWorkersConnected(double count) { workers_.Set(count); }

void CoordinatorMetrics::SetSweepProgress(const std::string& sweep_id, double fraction) {
  progress_.Add({{"sweep", sweep_id}}).Set(fraction);
}

void CoordinatorMetrics::SetCurveAccuracy(const CurveGaugeLabels& l, double value) {
  curve_
      .Add({{"model", l.model},
            {"metric", l.metric},
            {"granularity", l.granularity},
            {"recovery", l.recovery},
            {"task", l.task},
            {"units_removed", absl::StrCat(l.units_removed)}})
      .Set(value);
}

}  // namespace depthlab::core
