#include "coordinator/shapley/kernel_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <utility>

#include "coordinator/shapley/sample_stats.h"

namespace depthlab::shapley {
namespace {

double Binomial(int n, int k) {
  double b = 1;
  for (int j = 0; j < k; ++j) b = b * (n - j) / (j + 1);
  return b;
}

// Calls f(members) for every k-subset of {0..n-1}, in lexicographic order.
template <typename F>
void ForEachSubset(int n, int k, F f) {
  std::vector<int> members(k);
  std::iota(members.begin(), members.end(), 0);
  for (;;) {
    f(members);
    int i = k - 1;
    while (i >= 0 && members[i] == n - k + i) --i;
    if (i < 0) return;
    ++members[i];
    for (int j = i + 1; j < k; ++j) members[j] = members[j - 1] + 1;
  }
}

}  // namespace

KernelEstimator::KernelEstimator(const EstimatorOptions& options)
    : Estimator(options),
      rng_(options.seed),
      size_mass_(options.num_players + 1, 0.0),
      enumerated_(options.num_players + 1, false),
      a_fixed_(options.num_players),
      b_fixed_(options.num_players, 0.0),
      a_pairs_(options.num_players),
      b_pairs_(options.num_players, 0.0) {
  const int n = options.num_players;
  for (int s = 1; s < n; ++s) size_mass_[s] = (n - 1.0) / (s * (n - s));
  ChooseEnumeratedSizes();
}

void KernelEstimator::ChooseEnumeratedSizes() {
  const int n = num_players();
  double left = static_cast<double>(options().budget) - 2;  // after v(all) and v(none)
  double remaining = std::accumulate(size_mass_.begin(), size_mass_.end(), 0.0);
  for (int s = 1; s <= n / 2; ++s) {
    const bool paired = s != n - s;
    const double count = Binomial(n, s) * (paired ? 2 : 1);
    const double mass = size_mass_[s] + (paired ? size_mass_[n - s] : 0);
    // Enumerate when sampling would be expected to draw each coalition of the size at least once.
    const bool worth_it = left * mass / remaining >= count * (1 - 1e-8);
    if (count > left || (s > 1 && !worth_it)) break;
    enumerated_[s] = enumerated_[n - s] = true;
    left -= count;
    remaining -= mass;
  }
  sampling_mass_ = size_mass_;
  for (int s = 0; s <= n; ++s) {
    if (enumerated_[s]) sampling_mass_[s] = 0;
  }
  sampled_mass_ = std::accumulate(sampling_mass_.begin(), sampling_mass_.end(), 0.0);
}

bool KernelEstimator::EnumerationRound(std::vector<Coalition>* ask) {
  const int n = num_players();
  for (int s = 1; s < n; ++s) {
    if (!enumerated_[s]) continue;
    ForEachSubset(n, s, [&](const std::vector<int>& members) {
      enumerated_rows_.push_back(Coalition::FromMembers(n, members));
    });
  }
  std::vector<Coalition> unit = enumerated_rows_;
  unit.push_back(Coalition::Full(n));
  unit.push_back(Coalition::Empty(n));
  RoundBuilder round = NewRound();
  if (!round.TryAdd(unit)) return false;
  *ask = round.Take();
  return true;
}

bool KernelEstimator::NextRound(std::vector<Coalition>* ask) {
  if (!enumerated_done_) return EnumerationRound(ask);
  const int n = num_players();
  std::vector<int> players(n);
  std::iota(players.begin(), players.end(), 0);
  RoundBuilder round = NewRound();
  for (int p = 0; p < std::max(1, options().batch_size / 2); ++p) {
    const int size = rng_.Discrete(sampling_mass_);
    Coalition c = Coalition::FromMembers(n, rng_.Subset(players, size));
    if (!round.TryAdd({c, c.Complement()})) break;
    pending_.push_back(std::move(c));
  }
  if (pending_.empty()) return false;
  *ask = round.Take();
  return true;
}

void KernelEstimator::AddRow(const Coalition& c, double w, double y, Matrix& a,
                             std::vector<double>& b) const {
  const std::vector<int> members = c.Members();
  for (int i : members) {
    b[i] += w * y;
    for (int j : members) a.at(i, j) += w;
  }
}

void KernelEstimator::ConsumeEnumerated() {
  const double none = Value(Coalition::Empty(num_players()));
  for (const Coalition& c : enumerated_rows_) {
    const int s = c.Size();
    AddRow(c, size_mass_[s] / Binomial(num_players(), s), Value(c) - none, a_fixed_, b_fixed_);
  }
  enumerated_done_ = true;
}

void KernelEstimator::Consume() {
  if (!enumerated_done_) {
    ConsumeEnumerated();
    if (sampled_mass_ == 0) Stop(StopReason::kComplete);  // every coalition enumerated: exact
    return;
  }
  const double none = Value(Coalition::Empty(num_players()));
  for (Coalition& c : pending_) {
    const Coalition complement = c.Complement();
    Pair pair{std::move(c), 0, 0};
    pair.y = Value(pair.coalition) - none;
    pair.y_complement = Value(complement) - none;
    AddRow(pair.coalition, 0.5, pair.y, a_pairs_, b_pairs_);
    AddRow(complement, 0.5, pair.y_complement, a_pairs_, b_pairs_);
    pairs_.push_back(std::move(pair));
  }
  pending_.clear();
  StopIfTargetReached(static_cast<int64_t>(pairs_.size()));
}

std::optional<KernelEstimator::Linearisation> KernelEstimator::Linearise() const {
  if (!enumerated_done_) return std::nullopt;
  const int n = num_players();
  const int columns = n + 2;  // [b; total] and the identity, for the constrained inverse P
  const double scale = pairs_.empty() ? 0 : sampled_mass_ / static_cast<double>(pairs_.size());
  Matrix kkt(n + 1);
  std::vector<double> rhs(static_cast<size_t>(n + 1) * columns, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) kkt.at(i, j) = a_fixed_.at(i, j) + scale * a_pairs_.at(i, j);
    kkt.at(i, n) = kkt.at(n, i) = 1;
    rhs[i * columns] = b_fixed_[i] + scale * b_pairs_[i];
  }
  const double total = Value(Coalition::Full(n)) - Value(Coalition::Empty(n));
  rhs[n * columns] = total;
  for (int i = 0; i <= n; ++i) rhs[i * columns + 1 + i] = 1;
  if (!SolveLinearSystem(std::move(kkt), rhs, columns)) return std::nullopt;

  Linearisation lin;
  for (int i = 0; i < n; ++i) lin.phi.push_back(rhs[i * columns]);
  for (const Pair& pair : pairs_) {
    const std::vector<int> members = pair.coalition.Members();
    double inside = 0;  // x^T phi
    for (int j : members) inside += lin.phi[j];
    const double r = pair.y - inside;
    const double r_complement = pair.y_complement - (total - inside);
    const double coef = 0.5 * sampled_mass_ * (r - r_complement);  // u_k = coef * P x_k
    std::vector<double> u(n, 0.0);
    for (int i = 0; i < n; ++i) {
      for (int j : members) u[i] += rhs[i * columns + 1 + j];
      u[i] *= coef;
    }
    lin.influence.push_back(std::move(u));
  }
  return lin;
}

Estimator::Estimates KernelEstimator::Estimate() const {
  const int n = num_players();
  const int64_t pairs = static_cast<int64_t>(pairs_.size());
  Estimates e{std::vector<double>(n, 0.0),
              std::vector<double>(n, std::numeric_limits<double>::infinity()),
              std::vector<int64_t>(n, 0), pairs};
  const std::optional<Linearisation> lin = Linearise();
  if (!lin) return e;
  e.value = lin->phi;
  e.evaluations.assign(n, 2 + static_cast<int64_t>(enumerated_rows_.size()) + 2 * pairs);
  for (int i = 0; i < n; ++i) {
    SampleStats stats;
    for (const std::vector<double>& u : lin->influence) stats.Add(u[i]);
    e.std_error[i] = sampled_mass_ == 0 ? 0 : stats.StdErrorOfMean();
  }
  return e;
}

std::vector<std::vector<double>> KernelEstimator::Bootstrap(Rng& rng, int count) const {
  const std::optional<Linearisation> lin = Linearise();
  const size_t pairs = pairs_.size();
  if (!lin || pairs < 2) return {};
  const int n = num_players();
  std::vector<double> mean(n, 0.0);
  for (const std::vector<double>& u : lin->influence) {
    for (int i = 0; i < n; ++i) mean[i] += u[i] / static_cast<double>(pairs);
  }
  std::vector<std::vector<double>> replicates;
  for (int r = 0; r < count; ++r) {
    std::vector<double> phi = lin->phi;
    for (size_t b = 0; b < pairs; ++b) {
      const std::vector<double>& u = lin->influence[rng.Uniform(pairs)];
      for (int i = 0; i < n; ++i) phi[i] += u[i] / static_cast<double>(pairs);
    }
    for (int i = 0; i < n; ++i) phi[i] -= mean[i];
    replicates.push_back(std::move(phi));
  }
  return replicates;
}

}  // namespace depthlab::shapley
