// The output warp: identity for Gaussian-looking values, a monotone compression of a heavy
// upper tail otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strategy/bayes/output_warp.h"

namespace tune::bayes {
namespace {

TEST(OutputWarp, KeepsSymmetricDataLinear) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n(5, 2);
  std::vector<double> y(60);
  for (double& v : y) v = n(rng);
  EXPECT_EQ(fit_output_warp(y).lambda, 1.0);
}

TEST(OutputWarp, CompressesHeavyUpperTailMonotonically) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> y(60);
  for (double& v : y) v = std::pow(10, 4 * u(rng));  // Rosenbrock-like: orders of magnitude
  const OutputWarp w = fit_output_warp(y);
  EXPECT_LT(w.lambda, 1.0);
  std::vector<double> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) EXPECT_LT(w(sorted[i - 1]), w(sorted[i]));
  // Low values spread more than high ones (concave): the region near the minimum gains.
  const double low_gap = w(sorted[1]) - w(sorted[0]);
  const double high_gap = w(sorted.back()) - w(sorted[sorted.size() - 2]);
  EXPECT_GT(low_gap / (sorted[1] - sorted[0]),
            high_gap / (sorted.back() - sorted[sorted.size() - 2]));
}

TEST(OutputWarp, YeoJohnsonContinuousAtZeroAndIdentityAtOne) {
  for (double l : {-1.0, -0.3, 0.0, 0.5, 1.0}) {
    EXPECT_NEAR(yeo_johnson(1e-12, l), yeo_johnson(-1e-12, l), 1e-10);
    EXPECT_EQ(yeo_johnson(0.0, l), 0.0);
  }
  for (double x : {-3.0, -0.5, 0.7, 4.0}) EXPECT_NEAR(yeo_johnson(x, 1.0), x, 1e-12);
}

}  // namespace
}  // namespace tune::bayes
