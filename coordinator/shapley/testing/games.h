// Test-only cooperative games with known Shapley values, and reference computations that do not
// use the library's estimators: averaging over all n! orders (n <= 8) and a subset-weight sum
// written independently of ExactEstimator (n <= 16).
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_TESTING_GAMES_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_TESTING_GAMES_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numeric>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "coordinator/shapley/coalition.h"
#include "coordinator/shapley/estimator.h"

namespace depthlab::shapley {

// GoogleTest prints coalitions as their bit strings.
inline void PrintTo(const Coalition& c, std::ostream* os) { *os << '"' << c.ToString() << '"'; }
inline void PrintTo(StopReason reason, std::ostream* os) { *os << StopReasonName(reason); }
inline void PrintTo(EstimatorKind kind, std::ostream* os) { *os << EstimatorKindName(kind); }

namespace games {

struct Game {
  int n = 0;
  std::function<double(const Coalition&)> value;

  std::vector<double> Values(const std::vector<Coalition>& coalitions) const {
    std::vector<double> values;
    for (const Coalition& c : coalitions) values.push_back(value(c));
    return values;
  }
};

// v(S) = sum of w_i over S; phi_i = w_i.
inline Game AdditiveGame(std::vector<double> w) {
  const int n = static_cast<int>(w.size());
  return {n, [w = std::move(w)](const Coalition& c) {
            double v = 0;
            for (int i : c.Members()) v += w[i];
            return v;
          }};
}

// v(S) = 1 if the weights in S reach the quota, else 0.
inline Game WeightedVotingGame(std::vector<double> weights, double quota) {
  const int n = static_cast<int>(weights.size());
  return {n, [weights = std::move(weights), quota](const Coalition& c) {
            double total = 0;
            for (int i : c.Members()) total += weights[i];
            return total >= quota ? 1.0 : 0.0;
          }};
}

// v(S) = sum_{i in S} w_i + sum_{i < j in S} a[i][j] (a symmetric); phi_i = w_i + sum_j a_ij / 2.
inline Game PairwiseGame(std::vector<double> w, std::vector<std::vector<double>> a) {
  const int n = static_cast<int>(w.size());
  return {n, [w = std::move(w), a = std::move(a)](const Coalition& c) {
            const std::vector<int> members = c.Members();
            double v = 0;
            for (size_t x = 0; x < members.size(); ++x) {
              v += w[members[x]];
              for (size_t y = x + 1; y < members.size(); ++y) v += a[members[x]][members[y]];
            }
            return v;
          }};
}

inline std::vector<double> PairwiseShapley(const std::vector<double>& w,
                                           const std::vector<std::vector<double>>& a) {
  std::vector<double> phi = w;
  for (size_t i = 0; i < w.size(); ++i) {
    for (size_t j = 0; j < w.size(); ++j) phi[i] += i == j ? 0 : a[i][j] / 2;
  }
  return phi;
}

// A pruned LLM's collapse: v(S) = base(S) while at least `threshold` players remain, else 0.
inline Game CollapseGame(Game base, int threshold) {
  const int n = base.n;
  return {n, [base = std::move(base), threshold](const Coalition& c) {
            return c.Size() >= threshold ? base.value(c) : 0.0;
          }};
}

// Mean marginal contribution over all n! orders. REQUIRES: n <= 8.
inline std::vector<double> ShapleyByPermutations(const Game& game) {
  std::vector<int> order(game.n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> phi(game.n, 0.0);
  double orders = 0;
  do {
    Coalition c = Coalition::Empty(game.n);
    double before = game.value(c);
    for (int player : order) {
      c.Add(player);
      const double after = game.value(c);
      phi[player] += after - before;
      before = after;
    }
    orders += 1;
  } while (std::next_permutation(order.begin(), order.end()));
  for (double& p : phi) p /= orders;
  return phi;
}

// sum over S without i of |S|! (n-|S|-1)! / n! (v(S+i) - v(S)), weights from lgamma. n <= 16.
inline std::vector<double> ShapleyBySubsets(const Game& game) {
  const int n = game.n;
  std::vector<double> v(size_t{1} << n);
  for (uint64_t mask = 0; mask < v.size(); ++mask)
    v[mask] = game.value(Coalition::FromMask(n, mask));
  std::vector<double> phi(n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (uint64_t mask = 0; mask < v.size(); ++mask) {
      if (mask >> i & 1) continue;
      const int s = Coalition::FromMask(n, mask).Size();
      const double w = std::exp(std::lgamma(s + 1) + std::lgamma(n - s) - std::lgamma(n + 1));
      phi[i] += w * (v[mask | uint64_t{1} << i] - v[mask]);
    }
  }
  return phi;
}

// paper_random_subnetworks' estimand over all k-subsets: mean v(S) with i minus mean without.
inline std::vector<double> SubnetworkContrast(const Game& game, int k) {
  const int n = game.n;
  std::vector<double> with(n, 0.0), without(n, 0.0), count_with(n, 0.0), count_without(n, 0.0);
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    const Coalition c = Coalition::FromMask(n, mask);
    if (c.Size() != k) continue;
    const double v = game.value(c);
    for (int i = 0; i < n; ++i) {
      (c.Contains(i) ? with : without)[i] += v;
      (c.Contains(i) ? count_with : count_without)[i] += 1;
    }
  }
  std::vector<double> contrast(n);
  for (int i = 0; i < n; ++i) contrast[i] = with[i] / count_with[i] - without[i] / count_without[i];
  return contrast;
}

// Drives `estimator` to Done() against the game.
inline absl::StatusOr<ShapleyResult> Play(Estimator& estimator, const Game& game) {
  while (!estimator.Done()) {
    const std::vector<Coalition> ask = estimator.Propose();
    DEPTHLAB_RETURN_IF_ERROR(estimator.Observe(ask, game.Values(ask)));
  }
  return estimator.Result();
}

inline absl::StatusOr<ShapleyResult> Play(const EstimatorOptions& options, const Game& game) {
  DEPTHLAB_ASSIGN_OR_RETURN(std::unique_ptr<Estimator> estimator, MakeEstimator(options));
  return Play(*estimator, game);
}

}  // namespace games
}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_TESTING_GAMES_H_
