// `kernel`: KernelSHAP. phi minimises sum_S w(S) (v(S) - v(none) - sum_{i in S} phi_i)^2 subject to
// sum phi = v(all) - v(none), with the Shapley kernel w(S) = (n-1) / (C(n,|S|) |S| (n-|S|)); solved
// as a KKT system by Gaussian elimination. As in the SHAP library's KernelExplainer, the first
// round enumerates every coalition of the sizes (1 and n-1, then 2 and n-2, ...) whose count the
// budget covers at least as well as sampling would (sizes 1 and n-1 always: the system needs
// them); an all-enumerated run is exact. Later rounds (batch_size / 2 pairs each) sample a size
// with probability proportional to its kernel mass among the other sizes, a uniform coalition S
// of that size and its complement (paired sampling); the sampled rows share the remaining mass.
// Standard errors (Covert & Lee 2021 style): the solution linearised in the sampled pairs, u_k =
// P g_k (P the constrained inverse, g_k pair k's score), gives Var(phi_i) ~ var_k(u_k,i) / pairs.
// The rank bootstrap resamples pairs through the same linearisation (no re-solve per resample).
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_KERNEL_ESTIMATOR_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_KERNEL_ESTIMATOR_H_

#include <optional>
#include <vector>

#include "coordinator/shapley/estimator.h"
#include "coordinator/shapley/linear_solve.h"
#include "coordinator/shapley/rng.h"

namespace depthlab::shapley {

// Thread-compatible. Create through MakeEstimator.
class KernelEstimator : public Estimator {
 public:
  explicit KernelEstimator(const EstimatorOptions& options);

 protected:
  bool NextRound(std::vector<Coalition>* ask) override;
  void Consume() override;
  Estimates Estimate() const override;
  std::vector<std::vector<double>> Bootstrap(Rng& rng, int count) const override;

 private:
  struct Pair {
    Coalition coalition;  // S; its complement is the other row
    double y = 0;         // v(S) - v(none)
    double y_complement = 0;
  };
  struct Linearisation {
    std::vector<double> phi;
    std::vector<std::vector<double>> influence;  // [pairs][n]: u_k
  };

  void ChooseEnumeratedSizes();
  bool EnumerationRound(std::vector<Coalition>* ask);
  void ConsumeEnumerated();
  // Adds w x x^T to a and w x y to b for the members x of `c`.
  void AddRow(const Coalition& c, double w, double y, Matrix& a, std::vector<double>& b) const;
  std::optional<Linearisation> Linearise() const;

  Rng rng_;
  std::vector<double> size_mass_;      // [s]: (n-1) / (s (n-s)), 0 for s = 0 and n
  std::vector<bool> enumerated_;       // [s]
  std::vector<double> sampling_mass_;  // [s]: size_mass_ for sizes not enumerated, else 0
  double sampled_mass_ = 0;            // sum of sampling_mass_
  bool enumerated_done_ = false;
  std::vector<Coalition> enumerated_rows_;
  Matrix a_fixed_;  // the enumerated rows' normal equations
  std::vector<double> b_fixed_;
  Matrix a_pairs_;               // sum over pairs of (x x^T + x' x'^T) / 2, unscaled
  std::vector<double> b_pairs_;  // sum over pairs of (x y + x' y') / 2, unscaled
  std::vector<Coalition> pending_;
  std::vector<Pair> pairs_;
};

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_KERNEL_ESTIMATOR_H_
