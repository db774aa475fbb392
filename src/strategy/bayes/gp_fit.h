#pragma once
// Fitting the GP hyperparameters: maximise log marginal likelihood + log prior over
// (log lengthscales, log signal variance, log noise variance, constant mean) with analytic
// gradients, from several starts, inside bounds that keep 5 points and 1000 points stable.
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "strategy/bayes/gp.h"

namespace tune::bayes {

struct GpPrior {
  // log lengthscale ~ Normal(loc, scale) on the unit cube, median 1 whatever the dimension.
  // The dimension-scaled loc = sqrt2 + log(d)/2 (lengthscale ~10 in 6-d) made the model too
  // smooth for small budgets: on bench_strategies it cost 3-5x in regret after 25 evaluations
  // (Hartmann6 1.73 -> 0.36, Styblinski-Tang 54 -> 20, 10 seeds) and 100x after 50 on Hartmann6.
  double lengthscale_scale = std::sqrt(3.0);
  double lengthscale_loc = 0;
  double signal_loc = 0, signal_scale = 1.0;  // log signal variance (targets standardised)
  double noise_loc = -7, noise_scale = 2.0;   // log noise variance: small unless data say not
  double mean_scale = 1.0;                    // constant mean ~ Normal(0, mean_scale)
  // Bounds (natural units).
  double min_lengthscale = 0.01, max_lengthscale = 100;
  double min_signal_var = 0.05, max_signal_var = 20;
  double min_noise_var = 1e-6, max_noise_var = 1.0;
  double max_abs_mean = 3;
};

struct GpFitOptions {
  GpPrior prior;
  int random_starts = 24;    // prior draws screened by their objective value
  int optimized_starts = 2;  // best screened draws optimised (besides the warm start)
  int max_iters = 60;
  size_t max_points = 200;  // fit on a subset beyond this (the surrogate still uses all points)
  uint64_t seed = 0;
  unsigned threads = 1;  // starts optimised in parallel
};

// The negative (log marginal likelihood + log prior) of standardised targets z at theta
// (GpHyper::pack layout), with its gradient. Returns +inf where the Cholesky fails.
double negative_log_posterior(const Matrix& x, const std::vector<double>& z,
                              const std::vector<double>& theta, const GpPrior& prior,
                              std::vector<double>* grad);

// Fitted hyperparameters for (x, y); y is standardised inside. `warm` (a previous fit) is
// always one of the starts.
GpHyper fit_hyper(const Matrix& x, const std::vector<double>& y, const GpFitOptions& options,
                  const GpHyper* warm = nullptr);

// Default starting hyperparameters for d inputs (prior medians).
GpHyper default_hyper(size_t dims, const GpPrior& prior = {});

}  // namespace tune::bayes
