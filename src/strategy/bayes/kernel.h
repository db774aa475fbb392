#pragma once
// The Matern 5/2 kernel with one lengthscale per input dimension (ARD):
//   k(x, x') = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),  r^2 = sum_i ((x_i - x'_i) / l_i)^2.
// Twice differentiable (smooth enough for gradient-based acquisition search) without the
// over-smoothness of the squared exponential.
#include <vector>

#include "strategy/bayes/linalg.h"

namespace tune::bayes {

struct Matern52 {
  std::vector<double> inv_lengthscale;  // 1 / l_i
  double signal_var = 1.0;

  double operator()(const double* a, const double* b) const;
  // The kernel from the squared scaled distance r^2.
  double from_r2(double r2) const;
  // g(r) such that dk/dlog(l_i) = g(r) * ((x_i - x'_i) / l_i)^2 and
  // dk/dx_i = -g(r) * (x_i - x'_i) / l_i^2.
  double radial_derivative(double r2) const;
  double scaled_r2(const double* a, const double* b) const;
  size_t dims() const { return inv_lengthscale.size(); }
};

// Gram matrix of the rows of x (n x d), without noise.
Matrix gram(const Matern52& k, const Matrix& x);
// Cross covariances: rows of a against rows of b (a.rows x b.rows).
Matrix cross(const Matern52& k, const Matrix& a, const Matrix& b);

}  // namespace tune::bayes
