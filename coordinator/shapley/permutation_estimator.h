// `permutation`: Monte Carlo permutation sampling with antithetic pairs. A pair draws a uniform
// order pi and also uses its reverse; it values every prefix of pi and every prefix's complement
// (the reverse's prefixes): at most 2n new coalitions. Player i's sample is the mean of its two
// marginal contributions; phi_i is the mean over pairs and its standard error the pairs' standard
// deviation / sqrt(pairs). Rounds hold max(1, batch_size / 2n) pairs; a run stops at the budget or
// once every standard error is <= target_stderr after min_samples pairs.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_PERMUTATION_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_PERMUTATION_ESTIMATOR_H_

#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/rng.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator.
class PermutationEstimator : public Estimator {
 public:
  explicit PermutationEstimator(const EstimatorOptions& options);

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override;
  Estimates Estimate() const override;
  std::vector<std::vector<double>> Bootstrap(Rng& rng, int count) const override;

 private:
  // Player i's averaged marginal contribution over `order` and its reverse.
  std::vector<double> PairSample(const std::vector<int>& order) const;

  Rng rng_;
  std::vector<std::vector<int>> pending_;          // orders of the current round
  std::vector<std::vector<double>> pair_samples_;  // [pairs][n]
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_PERMUTATION_ESTIMATOR_H_
