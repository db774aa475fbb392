#include "strategy/bayes/gp.h"

#include <cmath>
#include <stdexcept>

namespace tune::bayes {

std::vector<double> GpHyper::pack() const {
  std::vector<double> t = log_lengthscale;
  t.push_back(log_signal_var);
  t.push_back(log_noise_var);
  t.push_back(mean);
  return t;
}

GpHyper GpHyper::unpack(const std::vector<double>& theta) {
  if (theta.size() < 3) throw std::invalid_argument("GpHyper::unpack: too few values");
  GpHyper h;
  const size_t d = theta.size() - 3;
  h.log_lengthscale.assign(theta.begin(), theta.begin() + static_cast<long>(d));
  h.log_signal_var = theta[d];
  h.log_noise_var = theta[d + 1];
  h.mean = theta[d + 2];
  return h;
}

Matern52 GpHyper::kernel() const {
  Matern52 k;
  for (double l : log_lengthscale) k.inv_lengthscale.push_back(std::exp(-l));
  k.signal_var = std::exp(log_signal_var);
  return k;
}

double GpHyper::noise_var() const {
  return std::exp(log_noise_var);
}

GaussianProcess::GaussianProcess(Matrix x, std::vector<double> y, GpHyper hyper)
    : x_(std::move(x)), hyper_(std::move(hyper)) {
  if (x_.rows == 0 || x_.rows != y.size())
    throw std::invalid_argument("GaussianProcess: need as many targets as points, at least one");
  if (hyper_.log_lengthscale.size() != x_.cols)
    throw std::invalid_argument("GaussianProcess: one lengthscale per input dimension needed");
  Moments mv = moments(y);
  y_mean_ = mv.mean;
  y_scale_ = mv.variance > 1e-300 ? std::sqrt(mv.variance) : 1.0;
  z_.resize(y.size());
  for (size_t i = 0; i < y.size(); ++i) z_[i] = (y[i] - y_mean_) / y_scale_;
  condition();
}

void GaussianProcess::condition() {
  kernel_ = hyper_.kernel();
  Matrix k = gram(kernel_, x_);
  const double noise = hyper_.noise_var();
  for (size_t i = 0; i < k.rows; ++i) k(i, i) += noise;
  chol_ = cholesky(k);
  alpha_.resize(z_.size());
  for (size_t i = 0; i < z_.size(); ++i) alpha_[i] = z_[i] - hyper_.mean;
  solve(chol_, alpha_);
}

Posterior GaussianProcess::predict(const double* point) const {
  return predict(point, nullptr, nullptr);
}

Posterior GaussianProcess::predict(const double* point, double* dmean, double* dvar) const {
  const size_t n = x_.rows, d = x_.cols;
  std::vector<double> kx(n);
  for (size_t i = 0; i < n; ++i) kx[i] = kernel_(point, x_.row(i));
  Posterior p;
  const double mz = hyper_.mean + dot(kx.data(), alpha_.data(), n);
  std::vector<double> v = kx;
  solve_lower(chol_, v.data());
  const double var_z = std::max(kernel_.signal_var - dot(v.data(), v.data(), n), 1e-300);
  p.mean = y_mean_ + y_scale_ * mz;
  p.var = var_z * y_scale_ * y_scale_;
  if (dmean && dvar) {
    solve_upper(chol_, v.data());  // v = K^{-1} k(x)
    for (size_t j = 0; j < d; ++j) dmean[j] = dvar[j] = 0;
    for (size_t i = 0; i < n; ++i) {
      const double* xi = x_.row(i);
      const double g = kernel_.radial_derivative(kernel_.scaled_r2(point, xi));
      for (size_t j = 0; j < d; ++j) {
        const double il = kernel_.inv_lengthscale[j];
        const double dk = -g * (point[j] - xi[j]) * il * il;
        dmean[j] += alpha_[i] * dk;
        dvar[j] += -2.0 * v[i] * dk;
      }
    }
    for (size_t j = 0; j < d; ++j) {
      dmean[j] *= y_scale_;
      dvar[j] *= y_scale_ * y_scale_;
    }
  }
  return p;
}

std::vector<Posterior> GaussianProcess::predict_many(const Matrix& points) const {
  // One cross-covariance block and one blocked triangular solve for all the points: the solve
  // dominates (n^2 per point) and runs several times faster as a matrix solve.
  const size_t n = x_.rows, m = points.rows;
  Matrix k(m, n);
  for (size_t r = 0; r < m; ++r)
    for (size_t i = 0; i < n; ++i) k(r, i) = kernel_(points.row(r), x_.row(i));
  std::vector<Posterior> out(m);
  for (size_t r = 0; r < m; ++r) out[r].mean = hyper_.mean + dot(k.row(r), alpha_.data(), n);
  solve_lower_rows(chol_, k);
  for (size_t r = 0; r < m; ++r) {
    const double var_z = std::max(kernel_.signal_var - dot(k.row(r), k.row(r), n), 1e-300);
    out[r].mean = y_mean_ + y_scale_ * out[r].mean;
    out[r].var = var_z * y_scale_ * y_scale_;
  }
  return out;
}

std::vector<double> GaussianProcess::fitted_means() const {
  // (K_f + noise I) alpha = z - mean, so K_f alpha + mean = z - noise alpha.
  const double noise = hyper_.noise_var() + chol_.jitter;
  std::vector<double> out(z_.size());
  for (size_t i = 0; i < z_.size(); ++i) out[i] = y_mean_ + y_scale_ * (z_[i] - noise * alpha_[i]);
  return out;
}

GaussianProcess GaussianProcess::with_fantasies(const Matrix& points) const {
  if (points.rows == 0) return *this;
  GaussianProcess g;
  g.y_mean_ = y_mean_;
  g.y_scale_ = y_scale_;
  g.hyper_ = hyper_;
  g.kernel_ = kernel_;
  const size_t n = x_.rows, m = points.rows, d = x_.cols;
  g.x_ = Matrix(n + m, d);
  std::copy(x_.data.begin(), x_.data.end(), g.x_.data.begin());
  std::copy(points.data.begin(), points.data.end(), g.x_.data.begin() + static_cast<long>(n * d));
  g.z_ = z_;
  for (size_t r = 0; r < m; ++r) {
    const Posterior p = predict(points.row(r));
    g.z_.push_back((p.mean - y_mean_) / y_scale_);
  }
  // Reuse the factor: only the new rows and columns are computed.
  Matrix cols(n + m, m);
  const double noise = hyper_.noise_var();
  for (size_t c = 0; c < m; ++c) {
    for (size_t i = 0; i < n + m; ++i) cols(i, c) = kernel_(g.x_.row(i), points.row(c));
    cols(n + c, c) += noise;
  }
  g.chol_ = chol_;
  if (extend_cholesky(g.chol_, cols)) {
    g.alpha_.resize(g.z_.size());
    for (size_t i = 0; i < g.z_.size(); ++i) g.alpha_[i] = g.z_[i] - hyper_.mean;
    solve(g.chol_, g.alpha_);
  } else {
    g.condition();  // a pending point duplicates an observed one: refactorise with jitter
  }
  return g;
}

double GaussianProcess::log_marginal_likelihood() const {
  const size_t n = z_.size();
  double quad = 0;
  for (size_t i = 0; i < n; ++i) quad += (z_[i] - hyper_.mean) * alpha_[i];
  return -0.5 * quad - 0.5 * log_det(chol_) - 0.5 * static_cast<double>(n) * std::log(2 * M_PI);
}

}  // namespace tune::bayes
