#include "coordinator/shapley/permutation_estimator.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "coordinator/shapley/sample_stats.h"

namespace depthlab::shapley {
namespace {

// prefixes[k] = the first k players of `order`, k = 0..n.
std::vector<Coalition> Prefixes(const std::vector<int>& order) {
  const int n = static_cast<int>(order.size());
  std::vector<Coalition> prefixes = {Coalition::Empty(n)};
  for (int k = 0; k < n; ++k) prefixes.push_back(prefixes.back().With(order[k]));
  return prefixes;
}

}  // namespace

PermutationEstimator::PermutationEstimator(const EstimatorOptions& options)
    : Estimator(options), rng_(options.seed) {}

bool PermutationEstimator::NextRound(std::vector<Coalition>* ask) {
  const int pairs = std::max(1, options().batch_size / (2 * num_players()));
  RoundBuilder round = NewRound();
  for (int p = 0; p < pairs; ++p) {
    std::vector<int> order = rng_.Permutation(num_players());
    std::vector<Coalition> unit = Prefixes(order);
    for (int k = 0, end = static_cast<int>(unit.size()); k < end; ++k) {
      unit.push_back(unit[k].Complement());
    }
    if (!round.TryAdd(unit)) break;
    pending_.push_back(std::move(order));
  }
  if (pending_.empty()) return false;
  *ask = round.Take();
  return true;
}

std::vector<double> PermutationEstimator::PairSample(const std::vector<int>& order) const {
  const std::vector<Coalition> prefixes = Prefixes(order);
  std::vector<double> sample(num_players());
  for (int k = 0; k < num_players(); ++k) {
    // In `order`, order[k] joins prefixes[k]; in the reverse it joins the complement of
    // prefixes[k + 1].
    const double forward = Value(prefixes[k + 1]) - Value(prefixes[k]);
    const double backward = Value(prefixes[k].Complement()) - Value(prefixes[k + 1].Complement());
    sample[order[k]] = 0.5 * (forward + backward);
  }
  return sample;
}

void PermutationEstimator::Consume() {
  for (const std::vector<int>& order : pending_) pair_samples_.push_back(PairSample(order));
  pending_.clear();
  StopIfTargetReached(static_cast<int64_t>(pair_samples_.size()));
}

Estimator::Estimates PermutationEstimator::Estimate() const {
  const int n = num_players();
  std::vector<SampleStats> stats(n);
  for (const std::vector<double>& sample : pair_samples_) {
    for (int i = 0; i < n; ++i) stats[i].Add(sample[i]);
  }
  const int64_t pairs = static_cast<int64_t>(pair_samples_.size());
  Estimates e{std::vector<double>(n), std::vector<double>(n), std::vector<int64_t>(n, 4 * pairs),
              pairs};
  for (int i = 0; i < n; ++i) {
    e.value[i] = stats[i].mean();
    e.std_error[i] = stats[i].StdErrorOfMean();
  }
  return e;
}

std::vector<std::vector<double>> PermutationEstimator::Bootstrap(Rng& rng, int count) const {
  const size_t pairs = pair_samples_.size();
  if (pairs < 2) return {};
  std::vector<std::vector<double>> replicates;
  for (int r = 0; r < count; ++r) {
    std::vector<double> mean(num_players(), 0.0);
    for (size_t b = 0; b < pairs; ++b) {
      const std::vector<double>& sample = pair_samples_[rng.Uniform(pairs)];
      for (int i = 0; i < num_players(); ++i) mean[i] += sample[i];
    }
    for (double& m : mean) m /= static_cast<double>(pairs);
    replicates.push_back(std::move(mean));
  }
  return replicates;
}

}  // namespace depthlab::shapley
