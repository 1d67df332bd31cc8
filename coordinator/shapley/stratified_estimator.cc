#include "coordinator/shapley/stratified_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

#include "coordinator/shapley/sample_stats.h"

namespace depthlab::shapley {
namespace {

constexpr double kStdFloor = 0.01;  // of the largest stratum standard deviation
// Weight, in degrees of freedom, of the mean stratum variance in each stratum's variance.
constexpr double kPooledWeight = 2;

SampleStats StatsOf(const std::vector<double>& samples) {
  SampleStats stats;
  for (double x : samples) stats.Add(x);
  return stats;
}

}  // namespace

StratifiedEstimator::StratifiedEstimator(const EstimatorOptions& options)
    : Estimator(options),
      rng_(options.seed),
      strata_(static_cast<size_t>(options.num_players) * options.num_players) {}

bool StratifiedEstimator::Singleton(int stratum) const {
  return Size(stratum) == 0 || Size(stratum) == num_players() - 1;
}

std::vector<int> StratifiedEstimator::PilotStrata() const {
  std::vector<int> draws;
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) {
    const int count = Singleton(k) ? 1 : options().pilot_samples;
    for (int d = 0; d < count; ++d) draws.push_back(k);
  }
  return draws;
}

std::vector<double> StratifiedEstimator::StratumVariances() const {
  std::vector<SampleStats> stats(strata_.size());
  double pooled = 0;
  int pooled_strata = 0;
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) {
    stats[k] = StatsOf(strata_[k]);
    if (Singleton(k) || stats[k].count() < 2) continue;
    pooled += stats[k].Variance();
    ++pooled_strata;
  }
  if (pooled_strata > 0) pooled /= pooled_strata;
  std::vector<double> variance(strata_.size(), 0.0);
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) {
    if (Singleton(k)) continue;
    const double freedom = std::max<double>(0, static_cast<double>(stats[k].count()) - 1);
    variance[k] =
        (freedom * stats[k].Variance() + kPooledWeight * pooled) / (freedom + kPooledWeight);
  }
  return variance;
}

std::vector<int> StratifiedEstimator::NeymanStrata(int draws) const {
  std::vector<double> sd = StratumVariances();
  for (double& v : sd) v = std::sqrt(v);
  const double largest = *std::max_element(sd.begin(), sd.end());
  std::vector<double> counts(strata_.size());
  std::priority_queue<std::pair<double, int>> queue;  // (variance reduction of one more draw, k)
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) {
    if (Singleton(k)) continue;
    sd[k] = largest > 0 ? std::max(sd[k], kStdFloor * largest) : 1.0;
    counts[k] = static_cast<double>(strata_[k].size());
    queue.push({sd[k] * sd[k] / (counts[k] * (counts[k] + 1)), k});
  }
  std::vector<int> chosen;
  while (static_cast<int>(chosen.size()) < draws && !queue.empty()) {
    const int k = queue.top().second;
    queue.pop();
    chosen.push_back(k);
    counts[k] += 1;
    queue.push({sd[k] * sd[k] / (counts[k] * (counts[k] + 1)), k});
  }
  return chosen;
}

std::vector<int> StratifiedEstimator::RoundStrata() {
  if (!pilot_done_) return PilotStrata();
  if (next_planned_ == planned_.size()) {
    int64_t drawn = 0;
    for (const std::vector<double>& samples : strata_) drawn += samples.size();
    const int64_t left = (options().budget - evaluations()) / 2;
    planned_ = NeymanStrata(static_cast<int>(std::max<int64_t>(1, std::min(left, drawn))));
    next_planned_ = 0;
  }
  const size_t end =
      std::min(planned_.size(), next_planned_ + std::max<size_t>(1, options().batch_size / 2));
  return std::vector<int>(planned_.begin() + next_planned_, planned_.begin() + end);
}

bool StratifiedEstimator::NextRound(std::vector<Coalition>* ask) {
  const int n = num_players();
  std::vector<int> others(n - 1);
  RoundBuilder round = NewRound();
  for (int k : RoundStrata()) {
    const int player = Player(k);
    std::iota(others.begin(), others.end(), 0);
    std::for_each(others.begin() + player, others.end(), [](int& p) { ++p; });  // skip player
    Coalition without = Coalition::FromMembers(n, rng_.Subset(others, Size(k)));
    if (!round.TryAdd({without, without.With(player)})) break;
    pending_.push_back({k, std::move(without)});
    if (pilot_done_) ++next_planned_;
  }
  if (pending_.empty()) return false;
  *ask = round.Take();
  return true;
}

void StratifiedEstimator::Consume() {
  for (const Draw& d : pending_) {
    strata_[d.stratum].push_back(Value(d.without.With(Player(d.stratum))) - Value(d.without));
  }
  pending_.clear();
  pilot_done_ = true;
  bool all_singletons = true;
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) all_singletons &= Singleton(k);
  if (all_singletons) {
    Stop(StopReason::kComplete);  // n == 2: every stratum was valued exactly
    return;
  }
  std::vector<int64_t> draws(num_players(), 0);
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) draws[Player(k)] += strata_[k].size();
  StopIfTargetReached(*std::min_element(draws.begin(), draws.end()));
}

std::vector<double> StratifiedEstimator::Combine(const std::vector<double>& stratum_means) const {
  const int n = num_players();
  std::vector<double> phi(n, 0.0);
  for (size_t k = 0; k < stratum_means.size(); ++k) phi[Player(k)] += stratum_means[k] / n;
  return phi;
}

Estimator::Estimates StratifiedEstimator::Estimate() const {
  const int n = num_players();
  Estimates e{std::vector<double>(n), std::vector<double>(n, 0.0), std::vector<int64_t>(n, 0), 0};
  const std::vector<double> variance = StratumVariances();
  std::vector<double> means(strata_.size());
  for (int k = 0; k < static_cast<int>(strata_.size()); ++k) {
    const SampleStats stats = StatsOf(strata_[k]);
    const int player = Player(k);
    means[k] = stats.mean();
    e.evaluations[player] += 2 * stats.count();
    e.samples += stats.count();
    if (stats.count() == 0) {
      e.std_error[player] = std::numeric_limits<double>::infinity();
    } else {
      e.std_error[player] += variance[k] / static_cast<double>(stats.count());  // a variance here
    }
  }
  e.value = Combine(means);
  for (double& se : e.std_error) se = std::sqrt(se) / n;
  return e;
}

std::vector<std::vector<double>> StratifiedEstimator::Bootstrap(Rng& rng, int count) const {
  if (!pilot_done_) return {};
  std::vector<std::vector<double>> replicates;
  std::vector<double> means(strata_.size());
  for (int r = 0; r < count; ++r) {
    for (size_t k = 0; k < strata_.size(); ++k) {
      const std::vector<double>& samples = strata_[k];
      double sum = 0;
      for (size_t d = 0; d < samples.size(); ++d) sum += samples[rng.Uniform(samples.size())];
      means[k] = samples.empty() ? 0 : sum / static_cast<double>(samples.size());
    }
    replicates.push_back(Combine(means));
  }
  return replicates;
}

}  // namespace depthlab::shapley
