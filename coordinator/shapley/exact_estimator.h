// `exact`: values all 2^n coalitions (n <= 16) and applies the Shapley weights
// |S|! (n - |S| - 1)! / n! to every marginal contribution; the ground truth for the others.
// Standard errors are 0.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_EXACT_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_EXACT_ESTIMATOR_H_

#include <vector>

#include "coordinator/shapley/estimator.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator (which enforces n <= kMaxExactPlayers).
class ExactEstimator : public Estimator {
 public:
  explicit ExactEstimator(const EstimatorOptions& options) : Estimator(options) {}

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override;
  Estimates Estimate() const override;

 private:
  std::vector<double> shapley_;  // empty until the round is consumed
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_EXACT_ESTIMATOR_H_
