#include "models/dropout.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "common/error.h"

namespace tune {
namespace {

TEST(SeededDropout, IdentityWhenEvaluating) {
  SeededDropout dropout(0.5);
  dropout->eval();
  auto x = torch::randn({4, 8});
  EXPECT_TRUE(torch::equal(dropout->forward(x), x));
}

TEST(SeededDropout, MasksFollowItsOwnGeneratorOnly) {
  auto x = torch::ones({200, 50});
  auto masked = [&](uint64_t seed) {
    SeededDropout dropout(0.3);
    dropout->set_generator(at::make_generator<at::CPUGeneratorImpl>(seed));
    torch::manual_seed(seed + 1000);  // the global generator does not matter
    return dropout->forward(x);
  };
  auto a = masked(7), b = masked(7), c = masked(8);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  // Kept values are scaled by 1 / (1 - p); about p of them are dropped.
  auto kept = a.ne(0);
  EXPECT_TRUE(torch::allclose(a.masked_select(kept), torch::full({1}, 1 / 0.7)));
  double dropped = 1 - kept.to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(dropped, 0.3, 0.02);
}

TEST(SeededDropout, RejectsProbabilitiesOutsideZeroToOne) {
  EXPECT_THROW(SeededDropout(1.0), ConfigError);
  EXPECT_THROW(SeededDropout(-0.1), ConfigError);
}

}  // namespace
}  // namespace tune
