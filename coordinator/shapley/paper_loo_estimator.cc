#include "coordinator/shapley/paper_loo_estimator.h"

namespace depthlab::shapley {

bool PaperLooEstimator::NextRound(std::vector<Coalition>* ask) {
  const Coalition all = Coalition::Full(num_players());
  std::vector<Coalition> unit = {all, Coalition::Empty(num_players())};
  for (int i = 0; i < num_players(); ++i) unit.push_back(all.Without(i));
  RoundBuilder round = NewRound();
  if (!round.TryAdd(unit)) return false;
  *ask = round.Take();
  return true;
}

Estimator::Estimates PaperLooEstimator::Estimate() const {
  const int n = num_players();
  Estimates e{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), std::vector<int64_t>(n, 0),
              0};
  const Coalition all = Coalition::Full(n);
  if (!Known(all)) return e;
  for (int i = 0; i < n; ++i) {
    e.value[i] = Value(all) - Value(all.Without(i));
    e.evaluations[i] = 2;
  }
  e.samples = n + 1;
  return e;
}

}  // namespace depthlab::shapley
