#include "worker/client/worker_metrics.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "worker/client/metrics_http_server.h"

namespace depthlab::worker {
namespace {

const char* OutcomeLabel(JobOutcome outcome) {
  switch (outcome) {
    case JobOutcome::kCompleted:
      return "completed";
    case JobOutcome::kRefused:
      return "refused";
    case JobOutcome::kFailed:
      return "failed";
    case JobOutcome::kStopped:
      return "stopped";
    case JobOutcome::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

// Job durations from a tenth of a second to an hour.
const prometheus::Histogram::BucketBoundaries& SecondsBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
  return *buckets;
}

}  // namespace

std::string JobKindLabel(v1::JobKind kind) {
  switch (kind) {
    case v1::JOB_KIND_PROFILE:
      return "profile";
    case v1::JOB_KIND_COALITIONS:
      return "coalitions";
    case v1::JOB_KIND_TASK_SHARD:
      return "task_shard";
    default:
      return "unspecified";
  }
}

struct WorkerMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& jobs =
      prometheus::BuildCounter()
          .Name("depthlab_worker_jobs_total")
          .Help("Leased jobs that ended on this worker, by job kind and outcome")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& job_seconds =
      prometheus::BuildHistogram()
          .Name("depthlab_worker_job_seconds")
          .Help("Wall time of completed jobs, by job kind")
          .Register(*registry);
  prometheus::Counter& tokens = prometheus::BuildCounter()
                                    .Name("depthlab_worker_tokens_total")
                                    .Help("Tokens run through the model by completed jobs")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Counter& unit_forwards =
      prometheus::BuildCounter()
          .Name("depthlab_worker_unit_forwards_total")
          .Help("Sequences times transformer units (attention or MLP) run by completed jobs")
          .Register(*registry)
          .Add({});
  prometheus::Gauge& tokens_per_second = prometheus::BuildGauge()
                                             .Name("depthlab_worker_tokens_per_second")
                                             .Help("Throughput of the last completed job")
                                             .Register(*registry)
                                             .Add({});
  prometheus::Counter& model_loads = prometheus::BuildCounter()
                                         .Name("depthlab_worker_model_loads_total")
                                         .Help("Models loaded by this worker")
                                         .Register(*registry)
                                         .Add({});
  absl::Mutex mu;
  std::unique_ptr<MetricsHttpServer> server ABSL_GUARDED_BY(mu);
};

WorkerMetrics::WorkerMetrics() : impl_(std::make_unique<Impl>()) {}
WorkerMetrics::~WorkerMetrics() = default;

absl::StatusOr<int> WorkerMetrics::Serve(int port) {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->server != nullptr) {
    return absl::FailedPreconditionError("metrics: already serving /metrics");
  }
  auto server = MetricsHttpServer::Create(port, [registry = impl_->registry] {
    return prometheus::TextSerializer().Serialize(registry->Collect());
  });
  if (!server.ok()) return server.status();
  impl_->server = std::move(*server);
  return impl_->server->port();
}

void WorkerMetrics::RecordJobCompleted(v1::JobKind kind, double seconds, int64_t tokens,
                                       int64_t unit_forwards) {
  const std::string label = JobKindLabel(kind);
  impl_->jobs.Add({{"kind", label}, {"outcome", OutcomeLabel(JobOutcome::kCompleted)}}).Increment();
  impl_->job_seconds.Add({{"kind", label}}, SecondsBuckets()).Observe(seconds);
  impl_->tokens.Increment(static_cast<double>(tokens));
  impl_->unit_forwards.Increment(static_cast<double>(unit_forwards));
  impl_->tokens_per_second.Set(seconds > 0 ? static_cast<double>(tokens) / seconds : 0);
}

void WorkerMetrics::RecordJobEnded(v1::JobKind kind, JobOutcome outcome) {
  impl_->jobs.Add({{"kind", JobKindLabel(kind)}, {"outcome", OutcomeLabel(outcome)}}).Increment();
}

void WorkerMetrics::RecordModelLoads(int64_t loads) {
  if (loads > 0) impl_->model_loads.Increment(static_cast<double>(loads));
}

std::string WorkerMetrics::Text() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace depthlab::worker
