// Dense linear systems in double precision for the KernelSHAP regression (at most a few hundred
// unknowns), so the library needs no external linear algebra.
#ifndef DEPTHLAB_COORDINATOR_SHAPLEY_LINEAR_SOLVE_H_
#define DEPTHLAB_COORDINATOR_SHAPLEY_LINEAR_SOLVE_H_

#include <cstddef>
#include <vector>

namespace depthlab::shapley {

// A row-major square matrix. Value type.
struct Matrix {
  explicit Matrix(int size) : n(size), data(static_cast<std::size_t>(size) * size, 0.0) {}
  double& at(int row, int col) { return data[static_cast<std::size_t>(row) * n + col]; }
  double at(int row, int col) const { return data[static_cast<std::size_t>(row) * n + col]; }

  int n;
  std::vector<double> data;
};

// Solves a * X = B by Gaussian elimination with partial pivoting, where B holds `columns`
// right-hand sides row-major (a.n rows); overwrites `b` with X. Returns false (leaving `b`
// unspecified) if `a` is singular to working precision (a pivot below 1e-12 times the largest entry
// of `a`).
bool SolveLinearSystem(Matrix a, std::vector<double>& b, int columns);

}  // namespace depthlab::shapley

#endif  // DEPTHLAB_COORDINATOR_SHAPLEY_LINEAR_SOLVE_H_
