#include "strategy/bayes/gp_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

#include "space/rng.h"
#include "strategy/bayes/lbfgs.h"

namespace tune::bayes {

namespace {

// -log N(v; loc, scale) up to a constant, and its derivative.
double neg_log_normal(double v, double loc, double scale, double* dv) {
  const double t = (v - loc) / scale;
  *dv = t / scale;
  return 0.5 * t * t;
}

void bounds(size_t d, const GpPrior& p, std::vector<double>& lo, std::vector<double>& hi) {
  lo.assign(d + 3, 0);
  hi.assign(d + 3, 0);
  for (size_t i = 0; i < d; ++i) {
    lo[i] = std::log(p.min_lengthscale);
    hi[i] = std::log(p.max_lengthscale);
  }
  lo[d] = std::log(p.min_signal_var);
  hi[d] = std::log(p.max_signal_var);
  lo[d + 1] = std::log(p.min_noise_var);
  hi[d + 1] = std::log(p.max_noise_var);
  lo[d + 2] = -p.max_abs_mean;
  hi[d + 2] = p.max_abs_mean;
}

double neg_log_prior(const std::vector<double>& theta, const GpPrior& p, std::vector<double>* g) {
  const size_t d = theta.size() - 3;
  const double loc = p.lengthscale_loc;
  double s = 0, dv = 0;
  for (size_t i = 0; i < d; ++i) {
    s += neg_log_normal(theta[i], loc, p.lengthscale_scale, &dv);
    if (g) (*g)[i] += dv;
  }
  s += neg_log_normal(theta[d], p.signal_loc, p.signal_scale, &dv);
  if (g) (*g)[d] += dv;
  s += neg_log_normal(theta[d + 1], p.noise_loc, p.noise_scale, &dv);
  if (g) (*g)[d + 1] += dv;
  s += neg_log_normal(theta[d + 2], 0, p.mean_scale, &dv);
  if (g) (*g)[d + 2] += dv;
  return s;
}

std::vector<double> standardise(const std::vector<double>& y) {
  double m = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  double var = 0;
  for (double v : y) var += (v - m) * (v - m);
  var /= static_cast<double>(y.size());
  const double s = var > 1e-300 ? std::sqrt(var) : 1.0;
  std::vector<double> z(y.size());
  for (size_t i = 0; i < y.size(); ++i) z[i] = (y[i] - m) / s;
  return z;
}

// The data the hyperparameters are fitted on: all points, or a seeded subset of max_points.
void fit_subset(const Matrix& x, const std::vector<double>& z, size_t max_points, uint64_t seed,
                Matrix& xs, std::vector<double>& zs) {
  if (x.rows <= max_points) {
    xs = x;
    zs = z;
    return;
  }
  std::vector<size_t> idx(x.rows);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(splitmix64(seed ^ x.rows));
  for (size_t i = 0; i < max_points; ++i)  // partial Fisher-Yates
    std::swap(idx[i], idx[i + uniform_index(rng, x.rows - i)]);
  idx.resize(max_points);
  std::sort(idx.begin(), idx.end());
  xs = Matrix(max_points, x.cols);
  zs.resize(max_points);
  for (size_t r = 0; r < max_points; ++r) {
    std::copy(x.row(idx[r]), x.row(idx[r]) + x.cols, xs.row(r));
    zs[r] = z[idx[r]];
  }
}

}  // namespace

double negative_log_posterior(const Matrix& x, const std::vector<double>& z,
                              const std::vector<double>& theta, const GpPrior& prior,
                              std::vector<double>* grad) {
  const size_t n = x.rows, d = x.cols;
  const GpHyper h = GpHyper::unpack(theta);
  const Matern52 k = h.kernel();
  const double noise = h.noise_var();
  Matrix kf = gram(k, x);
  Matrix kn = kf;
  for (size_t i = 0; i < n; ++i) kn(i, i) += noise;
  Cholesky chol;
  try {
    chol = cholesky(kn);
  } catch (const std::runtime_error&) {
    return std::numeric_limits<double>::infinity();
  }
  std::vector<double> alpha(n);
  for (size_t i = 0; i < n; ++i) alpha[i] = z[i] - h.mean;
  solve(chol, alpha);
  double quad = 0;
  for (size_t i = 0; i < n; ++i) quad += (z[i] - h.mean) * alpha[i];
  double value =
      0.5 * quad + 0.5 * log_det(chol) + 0.5 * static_cast<double>(n) * std::log(2 * M_PI);
  if (grad) {
    grad->assign(theta.size(), 0.0);
    // dL/dtheta = 0.5 tr(W dK/dtheta) with W = alpha alpha^T - K^{-1}; we minimise -L.
    Matrix w = inverse(chol);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) w(i, j) = alpha[i] * alpha[j] - w(i, j);
    std::vector<double> gl(d, 0.0);
    double gs = 0, trace = 0;
    for (size_t i = 0; i < n; ++i) {
      trace += w(i, i);
      gs += 0.5 * w(i, i) * kf(i, i);
      const double* xi = x.row(i);
      for (size_t j = i + 1; j < n; ++j) {
        const double* xj = x.row(j);
        const double wij = w(i, j);
        gs += wij * kf(i, j);
        const double g = wij * k.radial_derivative(k.scaled_r2(xi, xj));
        for (size_t a = 0; a < d; ++a) {
          const double t = (xi[a] - xj[a]) * k.inv_lengthscale[a];
          gl[a] += g * t * t;
        }
      }
    }
    for (size_t a = 0; a < d; ++a) (*grad)[a] = -gl[a];  // pairs counted once: 0.5 * 2
    (*grad)[d] = -gs;
    (*grad)[d + 1] = -0.5 * noise * trace;
    double sum_alpha = 0;
    for (double v : alpha) sum_alpha += v;
    (*grad)[d + 2] = -sum_alpha;
  }
  value += neg_log_prior(theta, prior, grad);
  return value;
}

GpHyper default_hyper(size_t dims, const GpPrior& prior) {
  GpHyper h;
  const double loc = std::clamp(prior.lengthscale_loc, std::log(prior.min_lengthscale),
                                std::log(prior.max_lengthscale));
  h.log_lengthscale.assign(dims, loc);
  h.log_signal_var = prior.signal_loc;
  h.log_noise_var = std::max(prior.noise_loc, std::log(prior.min_noise_var));
  h.mean = 0;
  return h;
}

GpHyper fit_hyper(const Matrix& x, const std::vector<double>& y, const GpFitOptions& options,
                  const GpHyper* warm) {
  if (x.rows == 0 || x.rows != y.size()) throw std::invalid_argument("fit_hyper: bad data");
  const size_t d = x.cols;
  Matrix xs;
  std::vector<double> zs;
  fit_subset(x, standardise(y), options.max_points, options.seed, xs, zs);
  std::vector<double> lo, hi;
  bounds(d, options.prior, lo, hi);
  auto clamp_theta = [&](std::vector<double> t) {
    for (size_t i = 0; i < t.size(); ++i) t[i] = std::clamp(t[i], lo[i], hi[i]);
    return t;
  };
  const Objective f = [&](const std::vector<double>& t, std::vector<double>& g) {
    return negative_log_posterior(xs, zs, t, options.prior, &g);
  };
  // Starts: the previous fit, the prior medians, and the best of a batch of prior draws.
  std::vector<std::vector<double>> starts;
  if (warm && warm->log_lengthscale.size() == d) starts.push_back(clamp_theta(warm->pack()));
  starts.push_back(clamp_theta(default_hyper(d, options.prior).pack()));
  std::mt19937_64 rng(splitmix64(options.seed + 0x5851F42D4C957F2Dull * x.rows));
  std::vector<std::pair<double, std::vector<double>>> screened;
  const GpPrior& p = options.prior;
  for (int s = 0; s < options.random_starts; ++s) {
    std::vector<double> t(d + 3);
    for (size_t i = 0; i < d; ++i)
      t[i] = p.lengthscale_loc + p.lengthscale_scale * normal_draw(rng);
    t[d] = p.signal_loc + 0.5 * p.signal_scale * normal_draw(rng);
    t[d + 1] = p.noise_loc + 0.5 * p.noise_scale * normal_draw(rng);
    t[d + 2] = 0.3 * normal_draw(rng);
    t = clamp_theta(t);
    const double v = negative_log_posterior(xs, zs, t, p, nullptr);
    if (std::isfinite(v)) screened.emplace_back(v, std::move(t));
  }
  std::sort(screened.begin(), screened.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (int s = 0; s < options.optimized_starts && s < static_cast<int>(screened.size()); ++s)
    starts.push_back(screened[static_cast<size_t>(s)].second);

  MinimizeOptions mo;
  mo.max_iters = options.max_iters;
  mo.gradient_tol = 1e-4;
  mo.relative_tol = 1e-9;
  // Each start is independent: with threads, they run side by side.
  std::vector<double> values(starts.size(), std::numeric_limits<double>::infinity());
  auto optimise = [&](size_t from, size_t step) {
    for (size_t i = from; i < starts.size(); i += step)
      values[i] = minimize_box(f, starts[i], lo, hi, mo).value;
  };
  const size_t threads = std::max<size_t>(1, std::min<size_t>(options.threads, starts.size()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(optimise, t, threads);
  optimise(0, threads);
  for (auto& th : pool) th.join();
  size_t best = 0;
  for (size_t i = 1; i < starts.size(); ++i)
    if (values[i] < values[best]) best = i;
  const std::vector<double>& best_theta = starts[best];
  return GpHyper::unpack(best_theta);
}

}  // namespace tune::bayes
