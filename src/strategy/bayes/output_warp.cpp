#include "strategy/bayes/output_warp.h"

#include <cmath>

#include "strategy/bayes/linalg.h"

namespace tune::bayes {

double yeo_johnson(double x, double lambda) {
  if (x >= 0) {
    if (std::abs(lambda) < 1e-12) return std::log1p(x);
    return (std::pow(1 + x, lambda) - 1) / lambda;
  }
  const double l2 = 2 - lambda;
  if (std::abs(l2) < 1e-12) return -std::log1p(-x);
  return -(std::pow(1 - x, l2) - 1) / l2;
}

double OutputWarp::operator()(double y) const {
  return yeo_johnson((y - mean) / scale, lambda);
}

std::vector<double> OutputWarp::apply(const std::vector<double>& y) const {
  std::vector<double> out(y.size());
  for (size_t i = 0; i < y.size(); ++i) out[i] = (*this)(y[i]);
  return out;
}

namespace {

// Profile log-likelihood of lambda under a Gaussian model of the transformed values.
double profile_likelihood(const std::vector<double>& x, double lambda) {
  double jac = 0;
  std::vector<double> t(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    t[i] = yeo_johnson(x[i], lambda);
    jac += (lambda - 1) * std::copysign(std::log1p(std::abs(x[i])), x[i]);
  }
  double var = std::max(moments(t).variance, 1e-300);
  return -0.5 * static_cast<double>(x.size()) * std::log(var) + jac;
}

}  // namespace

OutputWarp fit_output_warp(const std::vector<double>& y) {
  OutputWarp w;
  if (y.empty()) return w;
  Moments mv = moments(y);
  w.mean = mv.mean;
  w.scale = mv.variance > 1e-300 ? std::sqrt(mv.variance) : 1.0;
  if (y.size() < 4) return w;
  std::vector<double> x(y.size());
  for (size_t i = 0; i < y.size(); ++i) x[i] = (y[i] - w.mean) / w.scale;
  // Golden-section search of the (unimodal in practice) profile likelihood over [-1, 1].
  double a = -1, b = 1;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = profile_likelihood(x, c), fd = profile_likelihood(x, d);
  for (int it = 0; it < 30; ++it) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = profile_likelihood(x, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = profile_likelihood(x, d);
    }
  }
  w.lambda = 0.5 * (a + b);
  // Keep the identity unless the transform clearly fits better (no needless distortion).
  if (profile_likelihood(x, 1.0) >= profile_likelihood(x, w.lambda) - 1.0) w.lambda = 1;
  return w;
}

}  // namespace tune::bayes
