// The box-constrained minimiser (LBFGSpp's L-BFGS-B behind minimize_box): interior and bound
// minima, and undefined regions (+inf) that it must step back from.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "strategy/bayes/lbfgs.h"

namespace tune::bayes {
namespace {

double rosenbrock(const std::vector<double>& x, std::vector<double>& g) {
  const double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g = {-2 * a - 400 * x[0] * b, 200 * b};
  return a * a + 100 * b * b;
}

TEST(Lbfgs, FindsInteriorMinimum) {
  std::vector<double> x = {-1.2, 1.0};
  const MinimizeResult r = minimize_box(rosenbrock, x, {-2, -2}, {2, 2}, {200, 8, 1e-8, 0});
  EXPECT_NEAR(x[0], 1.0, 1e-4);
  EXPECT_NEAR(x[1], 1.0, 1e-4);
  EXPECT_LT(r.value, 1e-8);
}

TEST(Lbfgs, StopsOnActiveBounds) {
  // The unconstrained minimum (1, 1) lies outside: on the box x <= 0.5 the minimum is at
  // x0 = 0.5, x1 = 0.25.
  std::vector<double> x = {-1.0, 2.0};
  minimize_box(rosenbrock, x, {-2, -2}, {0.5, 2}, {200, 8, 1e-8, 0});
  EXPECT_NEAR(x[0], 0.5, 1e-6);
  EXPECT_NEAR(x[1], 0.25, 1e-4);
}

TEST(Lbfgs, StepsBackFromUndefinedRegion) {
  // f = (x - 2)^2 is undefined (+inf) beyond 1.5: the answer is the best finite point, near the
  // edge, never a point where f is undefined.
  const Objective f = [](const std::vector<double>& x, std::vector<double>& g) {
    if (x[0] > 1.5) return std::numeric_limits<double>::infinity();
    g = {2 * (x[0] - 2)};
    return (x[0] - 2) * (x[0] - 2);
  };
  std::vector<double> x = {0.0};
  const MinimizeResult r = minimize_box(f, x, {-5}, {5});
  EXPECT_LE(x[0], 1.5);
  EXPECT_GT(x[0], 0.5);
  EXPECT_TRUE(std::isfinite(r.value));
}

}  // namespace
}  // namespace tune::bayes
