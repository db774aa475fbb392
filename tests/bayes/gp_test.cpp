// The Gaussian process: interpolation, variance at data, likelihood gradients, lengthscales that
// find the relevant input, fantasies for pending points.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strategy/bayes/gp.h"
#include "strategy/bayes/gp_fit.h"

namespace tune::bayes {
namespace {

Matrix random_points(size_t n, size_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Matrix x(n, d);
  for (double& v : x.data) v = u(rng);
  return x;
}

double smooth(const double* p) {
  return std::sin(3 * p[0]) + 2 * p[1] * p[1] - p[0] * p[1];
}

std::vector<double> values(const Matrix& x, double (*f)(const double*)) {
  std::vector<double> y(x.rows);
  for (size_t i = 0; i < x.rows; ++i) y[i] = f(x.row(i));
  return y;
}

TEST(Gp, InterpolatesNoiselessDataAndVarianceShrinksThere) {
  const Matrix x = random_points(15, 2, 1);
  const std::vector<double> y = values(x, smooth);
  const GpHyper h = fit_hyper(x, y, {});
  EXPECT_LT(h.noise_var(), 1e-3);
  const GaussianProcess gp(x, y, h);
  double far_var = 0;
  const double far[2] = {1.5, -0.5};
  far_var = gp.predict(far).var;
  for (size_t i = 0; i < x.rows; ++i) {
    const Posterior p = gp.predict(x.row(i));
    EXPECT_NEAR(p.mean, y[i], 2e-2 * gp.y_scale());
    EXPECT_LT(p.var, 1e-2 * far_var);
  }
  // Fitted means agree with predictions at the data.
  const std::vector<double> fitted = gp.fitted_means();
  for (size_t i = 0; i < x.rows; ++i) EXPECT_NEAR(fitted[i], gp.predict(x.row(i)).mean, 1e-8);
}

TEST(Gp, LikelihoodGradientMatchesFiniteDifferences) {
  const Matrix x = random_points(20, 3, 2);
  std::vector<double> y(x.rows);
  for (size_t i = 0; i < x.rows; ++i) y[i] = std::cos(4 * x(i, 0)) + x(i, 2);
  GpHyper h = default_hyper(3);
  h.log_lengthscale = {-1.0, 0.2, -0.4};
  h.log_noise_var = -4;
  h.mean = 0.1;
  const std::vector<double> theta = h.pack();
  std::vector<double> grad;
  const GpPrior prior;
  negative_log_posterior(x, y, theta, prior, &grad);
  for (size_t k = 0; k < theta.size(); ++k) {
    std::vector<double> tp = theta, tm = theta;
    tp[k] += 1e-6;
    tm[k] -= 1e-6;
    const double fd = (negative_log_posterior(x, y, tp, prior, nullptr) -
                       negative_log_posterior(x, y, tm, prior, nullptr)) /
                      2e-6;
    EXPECT_NEAR(grad[k], fd, 1e-4 * std::max(1.0, std::abs(fd))) << "parameter " << k;
  }
}

// Reference values computed once with NumPy (np.linalg.solve and slogdet on the dense kernel
// matrix; the gradient by central differences, h = 1e-6), independently of our code:
//   X = [[0.1,0.2],[0.4,0.9],[0.7,0.3],[0.95,0.6],[0.3,0.5]], z = [0.5,-1.2,0.3,1.1,-0.7]
//   theta = [log 0.3, log 0.8, log 1.5, log 0.01, 0.2]   (log l1, log l2, log s2, log noise, mean)
//   r = |(x - x') / l|, K = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r) + noise I
//   nll = (z-m)^T K^-1 (z-m) / 2 + log|K| / 2 + n log(2 pi) / 2
//   prior = sum_i ((log l_i) / sqrt3)^2 / 2 + (log s2)^2 / 2 + ((log noise + 7) / 2)^2 / 2 + m^2 /
//   2
TEST(Gp, NegativeLogPosteriorMatchesNumpyReference) {
  Matrix x(5, 2);
  x.data = {0.1, 0.2, 0.4, 0.9, 0.7, 0.3, 0.95, 0.6, 0.3, 0.5};
  const std::vector<double> z = {0.5, -1.2, 0.3, 1.1, -0.7};
  const std::vector<double> theta = {std::log(0.3), std::log(0.8), std::log(1.5), std::log(0.01),
                                     0.2};
  const std::vector<double> want_grad = {-0.637716548013, -0.640779293182, 1.49002763106,
                                         0.626578793295, 0.0302899150206};
  std::vector<double> grad;
  EXPECT_NEAR(negative_log_posterior(x, z, theta, GpPrior{}, &grad), 7.012739320094209, 1e-10);
  ASSERT_EQ(grad.size(), want_grad.size());
  for (size_t k = 0; k < grad.size(); ++k) EXPECT_NEAR(grad[k], want_grad[k], 1e-6) << k;
}

TEST(Gp, PredictiveGradientMatchesFiniteDifferences) {
  const Matrix x = random_points(12, 2, 3);
  const std::vector<double> y = values(x, smooth);
  const GaussianProcess gp(x, y, fit_hyper(x, y, {}));
  const double p[2] = {0.37, 0.61};
  double dm[2], dv[2];
  gp.predict(p, dm, dv);
  for (int k = 0; k < 2; ++k) {
    double a[2] = {p[0], p[1]}, b[2] = {p[0], p[1]};
    a[k] += 1e-6;
    b[k] -= 1e-6;
    EXPECT_NEAR(dm[k], (gp.predict(a).mean - gp.predict(b).mean) / 2e-6, 1e-5);
    EXPECT_NEAR(dv[k], (gp.predict(a).var - gp.predict(b).var) / 2e-6, 1e-5);
  }
}

TEST(Gp, LengthscalesSingleOutTheRelevantDimension) {
  const Matrix x = random_points(40, 4, 4);
  std::vector<double> y(x.rows);
  for (size_t i = 0; i < x.rows; ++i) y[i] = std::sin(6 * x(i, 2));  // only input 2 matters
  const GpHyper h = fit_hyper(x, y, {});
  for (size_t d = 0; d < 4; ++d) {
    if (d == 2) continue;
    EXPECT_GT(h.log_lengthscale[d], h.log_lengthscale[2] + std::log(5.0)) << d;
  }
}

TEST(Gp, StableWithFivePointsAndWithDuplicates) {
  Matrix x = random_points(5, 6, 5);
  std::vector<double> y = {1, 2, 0.5, 3, 2};
  const GaussianProcess gp(x, y, fit_hyper(x, y, {}));
  const double p[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  EXPECT_TRUE(std::isfinite(gp.predict(p).mean));
  EXPECT_GT(gp.predict(p).var, 0);
  // Same point twice with different values (a noisy objective): finite, averages them.
  Matrix xd(6, 1);
  std::vector<double> yd = {0, 1, 0.2, 0.4, 0.9, 0.95};
  const double pts[6] = {0.1, 0.1, 0.5, 0.7, 0.9, 0.3};
  for (size_t i = 0; i < 6; ++i) xd(i, 0) = pts[i];
  const GaussianProcess gd(xd, yd, fit_hyper(xd, yd, {}));
  const double q[1] = {0.1};
  EXPECT_NEAR(gd.predict(q).mean, 0.5, 0.2);
}

TEST(Gp, FantasiesCollapseVarianceKeepMean) {
  const Matrix x = random_points(10, 2, 6);
  const std::vector<double> y = values(x, smooth);
  const GaussianProcess gp(x, y, fit_hyper(x, y, {}));
  Matrix pending(1, 2);
  pending(0, 0) = 0.9;
  pending(0, 1) = 0.05;
  const GaussianProcess f = gp.with_fantasies(pending);
  EXPECT_EQ(f.size(), 11u);
  const Posterior before = gp.predict(pending.row(0)), after = f.predict(pending.row(0));
  EXPECT_NEAR(after.mean, before.mean, 1e-6 * gp.y_scale());
  EXPECT_LT(after.var, 1e-2 * before.var);
  // Same result as conditioning from scratch on the augmented data.
  Matrix xa(11, 2);
  std::copy(x.data.begin(), x.data.end(), xa.data.begin());
  xa(10, 0) = 0.9;
  xa(10, 1) = 0.05;
  const double q[2] = {0.3, 0.4};
  EXPECT_LT(f.predict(q).var, gp.predict(q).var + 1e-12);
}

}  // namespace
}  // namespace tune::bayes
