#include "strategy/bayes/kernel.h"

#include <cmath>

namespace tune::bayes {

namespace {
const double kSqrt5 = std::sqrt(5.0);
}

double Matern52::scaled_r2(const double* a, const double* b) const {
  double r2 = 0;
  for (size_t i = 0; i < inv_lengthscale.size(); ++i) {
    const double t = (a[i] - b[i]) * inv_lengthscale[i];
    r2 += t * t;
  }
  return r2;
}

double Matern52::from_r2(double r2) const {
  const double r = std::sqrt(r2);
  return signal_var * (1 + kSqrt5 * r + (5.0 / 3.0) * r2) * std::exp(-kSqrt5 * r);
}

double Matern52::radial_derivative(double r2) const {
  const double r = std::sqrt(r2);
  return signal_var * (5.0 / 3.0) * (1 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

double Matern52::operator()(const double* a, const double* b) const {
  return from_r2(scaled_r2(a, b));
}

Matrix gram(const Matern52& k, const Matrix& x) {
  Matrix out(x.rows, x.rows);
  for (size_t i = 0; i < x.rows; ++i) {
    out(i, i) = k.signal_var;
    for (size_t j = i + 1; j < x.rows; ++j) {
      const double v = k(x.row(i), x.row(j));
      out(i, j) = v;
      out(j, i) = v;
    }
  }
  return out;
}

Matrix cross(const Matern52& k, const Matrix& a, const Matrix& b) {
  Matrix out(a.rows, b.rows);
  for (size_t i = 0; i < a.rows; ++i)
    for (size_t j = 0; j < b.rows; ++j) out(i, j) = k(a.row(i), b.row(j));
  return out;
}

}  // namespace tune::bayes
