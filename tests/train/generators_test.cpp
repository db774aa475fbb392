#include "train/generators.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <vector>

namespace tune {
namespace {

std::vector<int64_t> draw(int64_t size, int64_t n, uint64_t seed) {
  at::Generator gen = trial_generator(torch::kCPU, seed);
  at::Tensor order = epoch_order(size, n, gen, torch::kCPU);
  EXPECT_EQ(order.scalar_type(), torch::kLong);
  EXPECT_EQ(order.size(0), n);
  order = order.contiguous();
  return {order.data_ptr<int64_t>(), order.data_ptr<int64_t>() + n};
}

TEST(EpochOrder, DistinctIndicesInRangeRepeatableBySeed) {
  for (int64_t n : {1, 7, 100, 1000}) {  // a subset, and (1000) the whole permutation
    const auto a = draw(1000, n, 5);
    const std::set<int64_t> distinct(a.begin(), a.end());
    EXPECT_EQ(distinct.size(), static_cast<size_t>(n));
    EXPECT_GE(*distinct.begin(), 0);
    EXPECT_LT(*distinct.rbegin(), 1000);
    EXPECT_EQ(draw(1000, n, 5), a);
    if (n > 1) {
      EXPECT_NE(draw(1000, n, 6), a);
    }
  }
}

TEST(EpochOrder, EveryIndexAsLikelyInEachPosition) {
  // 4,000 epochs drawing 3 of 10 from one generator: each index lands in each position about
  // 400 times (binomial, standard deviation 19).
  at::Generator gen = trial_generator(torch::kCPU, 11);
  std::vector<std::vector<int>> hits(3, std::vector<int>(10, 0));
  for (int epoch = 0; epoch < 4000; ++epoch) {
    at::Tensor order = epoch_order(10, 3, gen, torch::kCPU).contiguous();
    for (int64_t p = 0; p < 3; ++p) ++hits[p][order[p].item<int64_t>()];
  }
  for (const auto& position : hits)
    for (int count : position) {
      EXPECT_GT(count, 400 - 5 * 19);
      EXPECT_LT(count, 400 + 5 * 19);
    }
}

}  // namespace
}  // namespace tune
