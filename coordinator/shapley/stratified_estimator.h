// `stratified`: marginal contributions stratified by coalition size. Stratum (i, s) holds
// v(S + i) - v(S) for S drawn uniformly among the s-subsets of the other players; phi_i is the mean
// over s = 0..n-1 of the stratum means, and Var(phi_i) = sum_s var_(i,s) / count_(i,s) / n^2.
// Strata s = 0 and s = n - 1 hold one coalition and are valued once, exactly. The pilot round
// draws pilot_samples from every other stratum; later rounds (batch_size / 2 draws each) follow
// Neyman allocation: each draw goes to the stratum with the largest variance reduction
// var / (count (count + 1)), so counts grow in proportion to the stratum standard deviations
// (floored at 1% of the largest). Stratum variances are shrunk towards the mean variance over all
// strata (2 degrees of freedom): a small pilot that happens to see no spread would
// otherwise starve its stratum and report a standard error of 0 (e.g. rare pivotal coalitions in
// a voting game). Stops at the budget or once every standard error is <= target_stderr with
// min_samples draws per player.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_STRATIFIED_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_STRATIFIED_ESTIMATOR_H_

#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/rng.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator.
class StratifiedEstimator : public Estimator {
 public:
  explicit StratifiedEstimator(const EstimatorOptions& options);

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override;
  Estimates Estimate() const override;
  std::vector<std::vector<double>> Bootstrap(Rng& rng, int count) const override;

 private:
  struct Draw {
    int stratum;
    Coalition without;  // S, a subset of the other players
  };

  int Player(int stratum) const { return stratum / num_players(); }
  int Size(int stratum) const { return stratum % num_players(); }
  bool Singleton(int stratum) const;  // C(n - 1, s) == 1
  std::vector<int> PilotStrata() const;
  // Per stratum: the sample variance shrunk towards the mean variance of all strata with weight
  // kPooledWeight degrees of freedom (0 for singletons).
  std::vector<double> StratumVariances() const;
  std::vector<int> NeymanStrata(int draws) const;
  // The strata of the next round's draws: the pilot, then the planned phase's next batch.
  std::vector<int> RoundStrata();
  // phi from per-stratum means.
  std::vector<double> Combine(const std::vector<double>& stratum_means) const;

  Rng rng_;
  bool pilot_done_ = false;
  std::vector<Draw> pending_;
  std::vector<int> planned_;  // the current phase's strata, one entry per draw
  size_t next_planned_ = 0;
  std::vector<std::vector<double>> strata_;  // [player * n + size]: marginal contributions
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_STRATIFIED_ESTIMATOR_H_
