// The acquisition search's last step: redrawing the winner's parameters at random where the
// model finds the objective flat, within the share of EI that `explore` allows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "space/space.h"
#include "strategy/bayes/acq_optimizer.h"
#include "strategy/bayes/gp.h"

namespace tune::bayes {
namespace {

// Two unit floats; the objective depends on x0 only (best at 0.3). The model's lengthscales are
// 0.2 along x0 and 2 along x1: long, so EI barely changes along x1, and the greedy winner takes
// the same x1 for every seed (the edge farthest from the data, where the variance is largest).
struct FlatAlongX1 {
  Space space = Space::from_json(Json::parse(R"({
      "x0": {"type": "float", "low": 0, "high": 1},
      "x1": {"type": "float", "low": 0, "high": 1}})"),
                                 "test");
  Matrix x{8, 2};
  std::vector<double> y;
  GpHyper hyper;
  FlatAlongX1() {
    for (size_t i = 0; i < 8; ++i) {
      x.row(i)[0] = i / 7.0;
      x.row(i)[1] = 0.4 + 0.1 * ((i * 5) % 8) / 7.0;
      y.push_back(std::pow(x.row(i)[0] - 0.3, 2));
    }
    hyper.log_lengthscale = {std::log(0.2), std::log(2.0)};
    hyper.log_noise_var = std::log(1e-6);
  }
};

TEST(AcqOptimizer, ExploreRedrawsFlatParametersWithinItsShareOfEi) {
  const FlatAlongX1 f;
  const GaussianProcess gp(f.x, f.y, f.hyper);
  const double best = *std::min_element(f.y.begin(), f.y.end());
  double lo1 = 1, hi1 = 0;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    AcquisitionSearch search;
    search.candidates = 256;
    search.seed = seed;
    search.explore = 0;
    const auto greedy = maximize_log_ei(gp, best, f.space, {}, {}, search);
    search.explore = 0.3;
    const auto explored = maximize_log_ei(gp, best, f.space, {}, {}, search);
    ASSERT_TRUE(greedy && explored);
    // At most 30% of the greedy winner's EI is given up (it is the same search until then).
    EXPECT_GE(explored->log_ei, greedy->log_ei + std::log(0.7) - 1e-12);
    // The relevant coordinate is kept near the optimum...
    EXPECT_NEAR(explored->point[0], 0.3, 0.15) << "seed " << seed;
    EXPECT_DOUBLE_EQ(greedy->point[1], 1.0) << "seed " << seed;
    // ...while the flat one spreads over its range.
    lo1 = std::min(lo1, explored->point[1]);
    hi1 = std::max(hi1, explored->point[1]);
  }
  EXPECT_LT(lo1, 0.25);
  EXPECT_GT(hi1, 0.75);
}

TEST(AcqOptimizer, ExploreNeverRedrawsARelevantParameterFarFromItsBest) {
  FlatAlongX1 f;
  f.hyper.log_lengthscale = {std::log(0.2), std::log(0.2)};  // now x1 matters to the model too
  for (size_t i = 0; i < 8; ++i) f.y[i] += std::pow(f.x.row(i)[1] - 0.5, 2);
  const GaussianProcess gp(f.x, f.y, f.hyper);
  const double best = *std::min_element(f.y.begin(), f.y.end());
  AcquisitionSearch search;
  search.candidates = 256;
  search.explore = 0.1;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    search.seed = seed;
    const auto p = maximize_log_ei(gp, best, f.space, {}, {}, search);
    ASSERT_TRUE(p);
    EXPECT_NEAR(p->point[0], 0.3, 0.2) << "seed " << seed;
    EXPECT_NEAR(p->point[1], 0.5, 0.3) << "seed " << seed;
  }
}

}  // namespace
}  // namespace tune::bayes
