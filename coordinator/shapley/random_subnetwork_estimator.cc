#include "coordinator/shapley/random_subnetwork_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

namespace depthlab::shapley {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

double RandomSubnetworkEstimator::Sums::Mean() const {
  return count > 0 ? sum / static_cast<double>(count) : 0;
}

double RandomSubnetworkEstimator::Sums::SquaredStdError() const {
  if (count < 2) return kInfinity;
  const double c = static_cast<double>(count);
  const double variance = std::max(0.0, (squares - sum * sum / c) / (c - 1));
  return variance / c;
}

RandomSubnetworkEstimator::RandomSubnetworkEstimator(const EstimatorOptions& options)
    : Estimator(options),
      size_(SubnetworkSize(options)),
      rng_(options.seed),
      with_player_(options.num_players, 0) {}

bool RandomSubnetworkEstimator::NextRound(std::vector<Coalition>* ask) {
  const int n = num_players();
  RoundBuilder round = NewRound();
  if (first_round_ && !round.TryAdd({Coalition::Full(n), Coalition::Empty(n)})) return false;
  first_round_ = false;
  std::vector<int> players(n);
  std::iota(players.begin(), players.end(), 0);
  for (int s = 0; s < options().batch_size; ++s) {
    Coalition c = Coalition::FromMembers(n, rng_.Subset(players, size_));
    if (!round.TryAdd({c})) break;
    pending_.push_back(std::move(c));
  }
  if (pending_.empty()) return false;
  *ask = round.Take();
  return true;
}

void RandomSubnetworkEstimator::Consume() {
  for (const Coalition& c : pending_) {
    for (int i = 0; i < num_players(); ++i) with_player_[i] += c.Contains(i);
    members_.push_back(c.Members());
    sampled_values_.push_back(Value(c));
  }
  pending_.clear();
  StopIfTargetReached(FewestOnOneSide());
}

int64_t RandomSubnetworkEstimator::FewestOnOneSide() const {
  const int64_t count = static_cast<int64_t>(members_.size());
  int64_t fewest = count;
  for (int64_t w : with_player_) fewest = std::min({fewest, w, count - w});
  return fewest;
}

Estimator::Estimates RandomSubnetworkEstimator::EstimateFrom(
    const std::vector<size_t>& indices) const {
  const int n = num_players();
  // Sums of (value - shift) and its square, over all samples and over those with each player;
  // "without" sums are the differences. The shift keeps the squares well conditioned.
  const double shift = sampled_values_.empty() ? 0 : sampled_values_[0];
  Sums all;
  std::vector<Sums> with(n);
  for (size_t index : indices) {
    const double x = sampled_values_[index] - shift;
    all.Add(x);
    for (int i : members_[index]) with[i].Add(x);
  }
  const int64_t count = all.count;
  Estimates e{std::vector<double>(n), std::vector<double>(n), std::vector<int64_t>(n, count),
              count};
  for (int i = 0; i < n; ++i) {
    const Sums without = all.Minus(with[i]);
    e.value[i] = with[i].Mean() - without.Mean();
    e.std_error[i] = std::sqrt(with[i].SquaredStdError() + without.SquaredStdError());
  }
  return e;
}

Estimator::Estimates RandomSubnetworkEstimator::Estimate() const {
  std::vector<size_t> all(members_.size());
  std::iota(all.begin(), all.end(), 0);
  return EstimateFrom(all);
}

std::vector<std::vector<double>> RandomSubnetworkEstimator::Bootstrap(Rng& rng, int count) const {
  const size_t samples = members_.size();
  if (samples < 2) return {};
  std::vector<std::vector<double>> replicates;
  std::vector<size_t> indices(samples);
  for (int r = 0; r < count; ++r) {
    for (size_t& index : indices) index = rng.Uniform(samples);
    replicates.push_back(EstimateFrom(indices).value);
  }
  return replicates;
}

double RandomSubnetworkEstimator::PossibleCoalitions() const {
  double binomial = 1;  // C(n, k)
  for (int j = 0; j < size_; ++j) binomial = binomial * (num_players() - j) / (j + 1);
  return binomial + 2;
}

}  // namespace depthlab::shapley
