#include "coordinator/shapley/exact_estimator.h"

#include <bitset>
#include <cstdint>

namespace depthlab::shapley {
namespace {

// weights[s] = s! (n - 1 - s)! / n! = 1 / (n * C(n - 1, s)).
std::vector<double> ShapleyWeights(int n) {
  std::vector<double> weights(n);
  double binomial = 1;  // C(n - 1, s)
  for (int s = 0; s < n; ++s) {
    weights[s] = 1.0 / (n * binomial);
    binomial = binomial * (n - 1 - s) / (s + 1);
  }
  return weights;
}

}  // namespace

bool ExactEstimator::NextRound(std::vector<Coalition>* ask) {
  const uint64_t count = uint64_t{1} << num_players();
  std::vector<Coalition> unit;
  unit.reserve(count);
  for (uint64_t mask = 0; mask < count; ++mask) {
    unit.push_back(Coalition::FromMask(num_players(), mask));
  }
  RoundBuilder round = NewRound();
  if (!round.TryAdd(unit)) return false;
  *ask = round.Take();
  return true;
}

void ExactEstimator::Consume() {
  const int n = num_players();
  const uint64_t count = uint64_t{1} << n;
  std::vector<double> v(count);
  for (uint64_t mask = 0; mask < count; ++mask) v[mask] = Value(Coalition::FromMask(n, mask));
  const std::vector<double> weights = ShapleyWeights(n);
  shapley_.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    const uint64_t bit = uint64_t{1} << i;
    std::vector<double> by_size(n, 0.0);  // summed marginal contributions per |S|
    for (uint64_t mask = 0; mask < count; ++mask) {
      if (mask & bit) continue;
      by_size[std::bitset<64>(mask).count()] += v[mask | bit] - v[mask];
    }
    for (int s = 0; s < n; ++s) shapley_[i] += weights[s] * by_size[s];
  }
  Stop(StopReason::kComplete);
}

Estimator::Estimates ExactEstimator::Estimate() const {
  const int n = num_players();
  Estimates e{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), std::vector<int64_t>(n, 0),
              0};
  if (shapley_.empty()) return e;
  e.value = shapley_;
  e.evaluations.assign(n, int64_t{1} << n);
  e.samples = int64_t{1} << n;
  return e;
}

}  // namespace depthlab::shapley
