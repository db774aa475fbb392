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

TEST(DropoutKeepMask, HashedCpuMasksAreUnbiasedFreshEachCallAndUncorrelated) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  auto like = torch::empty({400, 250});
  auto a = dropout_keep_mask(like, 0.25, gen), b = dropout_keep_mask(like, 0.25, gen);
  EXPECT_EQ(a.sizes(), like.sizes());
  EXPECT_FALSE(torch::equal(a, b));  // the generator moves on
  auto kept = a.ne(0).to(torch::kDouble).flatten();
  auto kept_values = a.masked_select(a.ne(0));
  EXPECT_TRUE(kept_values.eq(1 / 0.75f).all().item<bool>());
  EXPECT_NEAR(1 - kept.mean().item<double>(), 0.25, 0.005);
  // Neighbours and the next call's mask at the same place are independent draws.
  auto corr = [](const torch::Tensor& u, const torch::Tensor& v) {
    auto du = u - u.mean(), dv = v - v.mean();
    return ((du * dv).mean() / (du.std() * dv.std())).item<double>();
  };
  const int64_t n = kept.size(0);
  EXPECT_LT(std::abs(corr(kept.narrow(0, 0, n - 1), kept.narrow(0, 1, n - 1))), 0.01);
  EXPECT_LT(std::abs(corr(kept, b.ne(0).to(torch::kDouble).flatten())), 0.01);
  // The same generator state gives the same mask.
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(12),
       g2 = at::make_generator<at::CPUGeneratorImpl>(12);
  EXPECT_TRUE(torch::equal(dropout_keep_mask(like, 0.4, g1), dropout_keep_mask(like, 0.4, g2)));
}

TEST(DropoutKeepMask, OtherTypesUseBernoulli) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(13);
  auto mask = dropout_keep_mask(torch::empty({300, 100}, torch::kDouble), 0.5, gen);
  EXPECT_EQ(mask.scalar_type(), torch::kDouble);
  EXPECT_TRUE(mask.masked_select(mask.ne(0)).eq(2.0).all().item<bool>());
  EXPECT_NEAR(mask.eq(0).to(torch::kDouble).mean().item<double>(), 0.5, 0.02);
}

TEST(SeededDropout, RejectsProbabilitiesOutsideZeroToOne) {
  EXPECT_THROW(SeededDropout(1.0), ConfigError);
  EXPECT_THROW(SeededDropout(-0.1), ConfigError);
}

}  // namespace
}  // namespace tune
