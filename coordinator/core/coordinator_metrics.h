// The coordinator's Prometheus metrics, declared in one place; callers use the functions, never
// the registry. Names follow depthlab_<component>_<what>_<unit>.
#ifndef DEPTHLAB_COORDINATOR_CORE_COORDINATOR_METRICS_H_
#define DEPTHLAB_COORDINATOR_CORE_COORDINATOR_METRICS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace depthlab::core {

struct CurveGaugeLabels {
  std::string model, metric, granularity, recovery, task;
  int units_removed = 0;
};

// Thread-safe (prometheus-cpp metrics are).
class CoordinatorMetrics {
 public:
  CoordinatorMetrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void SetJobsByState(const std::string& state, double count);
  void RecordJobCompleted(const std::string& kind);
  void RecordJobFailed(const std::string& kind, bool retryable);
  void RecordLeaseExpired();
  void SetWorkersConnected(double count);
  void SetSweepProgress(const std::string& sweep_id, double fraction);
  // depthlab_curve_accuracy{model,metric,granularity,recovery,task,units_removed}.
  void SetCurveAccuracy(const CurveGaugeLabels& labels, double value);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Family<prometheus::Counter>& completed_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Counter& expired_;
  prometheus::Gauge& workers_;
  prometheus::Family<prometheus::Gauge>& progress_;
  prometheus::Family<prometheus::Gauge>& curve_;
};

}  // namespace depthlab::core

#endif  // DEPTHLAB_COORDINATOR_CORE_COORDINATOR_METRICS_H_
