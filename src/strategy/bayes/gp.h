#pragma once
// A Gaussian-process regression model on points of the unit cube: Matern 5/2 ARD kernel,
// constant mean, Gaussian noise, targets standardised internally. Hyperparameters are fitted by
// maximising the log marginal likelihood plus log priors (see gp_fit.h); predictions come back
// in the caller's units.
#include <cstdint>
#include <vector>

#include "strategy/bayes/kernel.h"
#include "strategy/bayes/linalg.h"

namespace tune::bayes {

// Hyperparameters in the space where they are fitted (standardised targets).
struct GpHyper {
  std::vector<double> log_lengthscale;
  double log_signal_var = 0;
  double log_noise_var = -9;
  double mean = 0;

  size_t size() const { return log_lengthscale.size() + 3; }
  std::vector<double> pack() const;
  static GpHyper unpack(const std::vector<double>& theta);
  Matern52 kernel() const;
  double noise_var() const;
};

struct Posterior {
  double mean = 0;
  double var = 0;  // of the latent function (noise excluded)
};

class GaussianProcess {
 public:
  // Conditions on (x, y) with fixed hyperparameters. x is n x d with n >= 1; y is standardised
  // here (mean 0, unit variance; a constant y gets scale 1).
  GaussianProcess(Matrix x, std::vector<double> y, GpHyper hyper);

  Posterior predict(const double* point) const;
  // Also the gradients of mean and variance with respect to the point (d entries each).
  Posterior predict(const double* point, double* dmean, double* dvar) const;
  // Means and variances of many points (rows of `points`); same results as predict().
  std::vector<Posterior> predict_many(const Matrix& points) const;

  // Posterior means at the training points, in the caller's units (O(n): z - noise * alpha).
  std::vector<double> fitted_means() const;

  // The model with extra points whose targets are the current posterior means (kriging
  // believer): hyperparameters and standardisation unchanged, so the variance collapses there
  // while the mean stays put. Used for pending trials.
  GaussianProcess with_fantasies(const Matrix& points) const;

  const GpHyper& hyper() const { return hyper_; }
  const Matrix& inputs() const { return x_; }
  size_t size() const { return x_.rows; }
  size_t dims() const { return x_.cols; }
  double y_mean() const { return y_mean_; }
  double y_scale() const { return y_scale_; }
  // Log marginal likelihood of the standardised targets under the current hyperparameters.
  double log_marginal_likelihood() const;
  double jitter() const { return chol_.jitter; }

 private:
  GaussianProcess() = default;
  void condition();

  Matrix x_;
  std::vector<double> z_;  // standardised targets
  double y_mean_ = 0, y_scale_ = 1;
  GpHyper hyper_;
  Matern52 kernel_;
  Cholesky chol_;
  std::vector<double> alpha_;  // K^{-1} (z - mean)
};

}  // namespace tune::bayes
