// `paper_loo`: the paper's default influence, leave-one-out. One round values v(all), v(none) and
// v(all \ {i}) for every i (n + 2 evaluations); influence_i = v(all) - v(all \ {i}). Not a sampled
// estimate: standard errors are 0 with ShapleyResult::has_std_errors false.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_PAPER_LOO_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_PAPER_LOO_ESTIMATOR_H_

#include <vector>

#include "coordinator/shapley/estimator.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator.
class PaperLooEstimator : public Estimator {
 public:
  explicit PaperLooEstimator(const EstimatorOptions& options) : Estimator(options) {}

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override { Stop(StopReason::kComplete); }
  Estimates Estimate() const override;
  bool HasStdErrors() const override { return false; }
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_PAPER_LOO_ESTIMATOR_H_
