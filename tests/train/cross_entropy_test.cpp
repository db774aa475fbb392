#include "train/cross_entropy.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/cpu.h"

namespace tune {
namespace {

// Logits spread widely (some rows far from 0, where log-sum-exp must subtract the largest) and
// classes with ties broken as argmax does.
struct Batch {
  torch::Tensor logits, y;
};

Batch batch(int64_t n, int64_t classes) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(31);
  Batch b{torch::randn({n, classes}, gen) * 8, torch::randint(0, classes, {n}, gen)};
  b.logits[0] += 90;       // exp(90) overflows float without the shift
  b.logits[1].fill_(0.5);  // a tie: argmax takes the first
  return b;
}

ScoredLoss libtorch(const torch::Tensor& logits, const torch::Tensor& y) {
  set_cpu_kernels(CpuKernels::LibTorch);
  ScoredLoss s = scored_cross_entropy(logits, y);
  set_cpu_kernels(CpuKernels::Tuned);
  return s;
}

TEST(ScoredCrossEntropy, MatchesLibTorchInValueGradientAndHits) {
  for (int64_t classes : {2, 10, 37}) {
    const Batch b = batch(129, classes);
    auto ours_logits = b.logits.clone().requires_grad_();
    auto theirs_logits = b.logits.clone().requires_grad_();
    ScoredLoss ours = scored_cross_entropy(ours_logits, b.y);
    ScoredLoss theirs = libtorch(theirs_logits, b.y);
    ASSERT_EQ(ours.loss.dim(), 0);
    EXPECT_NEAR(ours.loss.item<float>(), theirs.loss.item<float>(), 1e-5) << classes;
    EXPECT_EQ(ours.correct.item<int64_t>(), theirs.correct.item<int64_t>()) << classes;
    EXPECT_GT(ours.correct.item<int64_t>(), 0);
    (ours.loss * 3).backward();
    (theirs.loss * 3).backward();
    EXPECT_TRUE(torch::allclose(ours_logits.grad(), theirs_logits.grad(), 1e-5, 1e-7)) << classes;
  }
}

TEST(ScoredCrossEntropy, WithoutGradientsAndOnNaN) {
  const Batch b = batch(64, 10);
  {
    torch::NoGradGuard no_grad;
    ScoredLoss ours = scored_cross_entropy(b.logits, b.y);
    EXPECT_FALSE(ours.loss.requires_grad());
    EXPECT_NEAR(ours.loss.item<float>(), libtorch(b.logits, b.y).loss.item<float>(), 1e-5);
  }
  auto bad = b.logits.clone();
  bad[5][3] = std::nanf("");
  EXPECT_TRUE(std::isnan(scored_cross_entropy(bad, b.y).loss.item<float>()));
}

TEST(ScoredCrossEntropy, RefusesAClassOutOfRange) {
  const Batch b = batch(8, 10);
  auto y = b.y.clone();
  y[2] = 10;
  EXPECT_THROW(scored_cross_entropy(b.logits, y), std::out_of_range);
  y[2] = -1;
  EXPECT_THROW(scored_cross_entropy(b.logits, y), std::out_of_range);
}

}  // namespace
}  // namespace tune
