#include "coordinator/shapley/linear_solve.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace depthlab::shapley {
namespace {

double MaxAbs(const Matrix& a) {
  double max = 0;
  for (double x : a.data) max = std::max(max, std::fabs(x));
  return max;
}

int PivotRow(const Matrix& a, int col) {
  int best = col;
  for (int r = col + 1; r < a.n; ++r) {
    if (std::fabs(a.at(r, col)) > std::fabs(a.at(best, col))) best = r;
  }
  return best;
}

void SwapRows(Matrix& a, std::vector<double>& b, int columns, int r1, int r2) {
  for (int c = 0; c < a.n; ++c) std::swap(a.at(r1, c), a.at(r2, c));
  for (int c = 0; c < columns; ++c) std::swap(b[r1 * columns + c], b[r2 * columns + c]);
}

}  // namespace

bool SolveLinearSystem(Matrix a, std::vector<double>& b, int columns) {
  const int n = a.n;
  const double tolerance = 1e-12 * MaxAbs(a);
  for (int col = 0; col < n; ++col) {
    const int pivot = PivotRow(a, col);
    if (!(std::fabs(a.at(pivot, col)) > tolerance)) return false;
    SwapRows(a, b, columns, col, pivot);
    for (int r = col + 1; r < n; ++r) {
      const double f = a.at(r, col) / a.at(col, col);
      if (f == 0) continue;
      for (int c = col; c < n; ++c) a.at(r, c) -= f * a.at(col, c);
      for (int c = 0; c < columns; ++c) b[r * columns + c] -= f * b[col * columns + c];
    }
  }
  for (int col = n - 1; col >= 0; --col) {
    for (int c = 0; c < columns; ++c) {
      double sum = b[col * columns + c];
      for (int k = col + 1; k < n; ++k) sum -= a.at(col, k) * b[k * columns + c];
      b[col * columns + c] = sum / a.at(col, col);
    }
  }
  return true;
}

}  // namespace depthlab::shapley
