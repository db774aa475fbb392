// Expected Improvement: closed form, Monte Carlo agreement, its log in the far tail, gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strategy/bayes/acquisition.h"

namespace tune::bayes {
namespace {

TEST(Acquisition, ErfcxMatchesDefinitionAndAsymptote) {
  for (double x : {0.0, 0.5, 2.0, 10.0, 24.0})
    EXPECT_NEAR(erfcx(x), std::exp(x * x) * std::erfc(x), 1e-12 * erfcx(x));
  // The asymptotic series used beyond 25 agrees with the definition where both are computable.
  for (double x : {25.0, 25.5, 26.0})
    EXPECT_NEAR(erfcx(x), std::exp(x * x) * std::erfc(x), 1e-12 * erfcx(x));
  EXPECT_NEAR(erfcx(1e6), 1 / (1e6 * std::sqrt(M_PI)), 1e-18);
}

TEST(Acquisition, ClosedFormOnRandomInputs) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-3, 3), s(0.01, 2);
  for (int i = 0; i < 200; ++i) {
    const double mean = u(rng), sigma = s(rng), best = u(rng);
    const double z = (best - mean) / sigma;
    const double closed = (best - mean) * normal_cdf(z) + sigma * normal_pdf(z);
    EXPECT_NEAR(expected_improvement(mean, sigma, best), closed, 1e-12);
  }
}

TEST(Acquisition, AgreesWithMonteCarlo) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> u(-1.5, 1.5), s(0.2, 1.5);
  for (int i = 0; i < 10; ++i) {
    const double mean = u(rng), sigma = s(rng), best = u(rng);
    const int samples = 200000;
    double sum = 0, sum2 = 0;
    for (int k = 0; k < samples; ++k) {
      const double imp = std::max(best - (mean + sigma * normal(rng)), 0.0);
      sum += imp;
      sum2 += imp * imp;
    }
    const double mc = sum / samples;
    const double se = std::sqrt((sum2 / samples - mc * mc) / samples);
    EXPECT_NEAR(expected_improvement(mean, sigma, best), mc, 5 * se + 1e-9);
  }
}

TEST(Acquisition, NearZeroAtIncumbentWithTinyVarianceAndPositiveWhereUnexplored) {
  EXPECT_LT(expected_improvement(1.0, 1e-8, 1.0), 1e-8);
  EXPECT_GT(expected_improvement(2.0, 1.0, 1.0), 0.05);  // mean worse, but uncertain
}

TEST(Acquisition, LogEiConsistentAndFiniteFarInTheTail) {
  for (double z = -30; z <= 5; z += 0.37) {
    const double ei = ei_h(z);
    ASSERT_GT(ei, 0);
    EXPECT_NEAR(log_ei_h(z), std::log(ei), 1e-9 * std::max(1.0, std::abs(std::log(ei))))
        << "z=" << z;
  }
  // Where EI underflows, log EI follows its asymptote -z^2/2 - log(sqrt(2 pi)) - 2 log|z|.
  for (double z : {-40.0, -100.0, -1e3, -1e5}) {
    EXPECT_EQ(ei_h(z), 0.0);
    const double asym = -0.5 * z * z - 0.5 * std::log(2 * M_PI) - 2 * std::log(-z);
    EXPECT_NEAR(log_ei_h(z), asym, 1e-2 * std::abs(asym) / (z * z) + 3.0 / (z * z));
  }
  // Continuous across the switch to the series and monotone.
  EXPECT_NEAR(log_ei_h(-35.0 - 1e-9), log_ei_h(-35.0 + 1e-9), 1e-6);
  for (double z = -60; z < 5; z += 0.5) EXPECT_LT(log_ei_h(z), log_ei_h(z + 0.5));
}

TEST(Acquisition, LogEiGradientMatchesFiniteDifferences) {
  for (double z : {-50.0, -20.0, -3.0, -0.5, 0.0, 2.0}) {
    const double mean = 0.3, sigma = 0.7, best = mean + z * sigma, h = 1e-6;
    double dm = 0, ds = 0;
    log_expected_improvement(mean, sigma, best, &dm, &ds);
    const double fm = (log_expected_improvement(mean + h, sigma, best) -
                       log_expected_improvement(mean - h, sigma, best)) /
                      (2 * h);
    const double fs = (log_expected_improvement(mean, sigma + h, best) -
                       log_expected_improvement(mean, sigma - h, best)) /
                      (2 * h);
    EXPECT_NEAR(dm, fm, 1e-4 * std::max(1.0, std::abs(fm))) << "z=" << z;
    EXPECT_NEAR(ds, fs, 1e-4 * std::max(1.0, std::abs(fs))) << "z=" << z;
  }
}

}  // namespace
}  // namespace tune::bayes
