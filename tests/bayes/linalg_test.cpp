// Cholesky with jitter, its extension by new rows, and the solves built on it.
#include <gtest/gtest.h>

#include <random>

#include "strategy/bayes/kernel.h"
#include "strategy/bayes/linalg.h"

namespace tune::bayes {
namespace {

Matrix random_points(size_t n, size_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Matrix x(n, d);
  for (double& v : x.data) v = u(rng);
  return x;
}

Matern52 unit_kernel(size_t d, double l = 0.3) {
  Matern52 k;
  k.inv_lengthscale.assign(d, 1 / l);
  return k;
}

TEST(Linalg, SolveRecoversRightHandSide) {
  Matrix x = random_points(40, 3, 1);
  Matrix a = gram(unit_kernel(3), x);
  for (size_t i = 0; i < a.rows; ++i) a(i, i) += 1e-3;
  const Cholesky c = cholesky(a);
  EXPECT_EQ(c.jitter, 0);
  std::vector<double> b(40), sol;
  for (size_t i = 0; i < b.size(); ++i) b[i] = std::sin(double(i));
  sol = b;
  solve(c, sol);
  for (size_t i = 0; i < a.rows; ++i) EXPECT_NEAR(dot(a.row(i), sol.data(), a.cols), b[i], 1e-9);
  const Matrix inv = inverse(c);
  for (size_t i = 0; i < a.rows; ++i)
    for (size_t j = 0; j < a.rows; ++j) {
      double s = 0;
      for (size_t k = 0; k < a.rows; ++k) s += a(i, k) * inv(k, j);
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-7);
    }
}

TEST(Linalg, DuplicatePointsGetJitter) {
  Matrix x = random_points(10, 2, 2);
  // Rows 3 and 7 identical, and no noise: the Gram matrix is singular.
  for (size_t j = 0; j < 2; ++j) x(7, j) = x(3, j);
  const Matrix a = gram(unit_kernel(2), x);
  const Cholesky c = cholesky(a);
  EXPECT_GT(c.jitter, 0);
  EXPECT_LT(c.jitter, 1e-4);
  std::vector<double> b(10, 1.0);
  solve(c, b);
  for (double v : b) EXPECT_TRUE(std::isfinite(v));
}

TEST(Linalg, ExtendMatchesFullFactorisation) {
  Matrix x = random_points(25, 4, 3);
  Matrix a = gram(unit_kernel(4), x);
  for (size_t i = 0; i < a.rows; ++i) a(i, i) += 1e-4;
  const Cholesky full = cholesky(a);
  Matrix head(20, 20);
  for (size_t i = 0; i < 20; ++i)
    for (size_t j = 0; j < 20; ++j) head(i, j) = a(i, j);
  Cholesky ext = cholesky(head);
  Matrix cols(25, 5);
  for (size_t i = 0; i < 25; ++i)
    for (size_t c = 0; c < 5; ++c) cols(i, c) = a(i, 20 + c);
  ASSERT_TRUE(extend_cholesky(ext, cols));
  for (size_t i = 0; i < 25; ++i)
    for (size_t j = 0; j < 25; ++j) EXPECT_NEAR(ext.upper(i, j), full.upper(i, j), 1e-10);
}

TEST(Linalg, MomentsArePopulationMeanAndVariance) {
  Moments m = moments({1, 2, 3, 6});
  EXPECT_DOUBLE_EQ(m.mean, 3);
  EXPECT_DOUBLE_EQ(m.variance, (4 + 1 + 0 + 9) / 4.0);
  EXPECT_EQ(moments({}).variance, 0);
}

}  // namespace
}  // namespace tune::bayes
