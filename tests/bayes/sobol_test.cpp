// The quasi-random sequence: stratified in every dimension, deterministic per seed.
#include <gtest/gtest.h>

#include <set>

#include "strategy/bayes/sobol.h"

namespace tune::bayes {
namespace {

TEST(Sobol, PrimitivePolynomialsOfLowDegree) {
  // x+1; x^2+x+1; x^3+x+1, x^3+x^2+1; x^4+x+1, x^4+x^3+1.
  const std::vector<uint32_t> expected = {0b11, 0b111, 0b1011, 0b1101, 0b10011, 0b11001};
  EXPECT_EQ(primitive_polynomials(6), expected);
  EXPECT_EQ(primitive_polynomials(60).size(), 60u);
}

TEST(Sobol, EachDimensionStratifiedForPowersOfTwo) {
  const Sobol s(40, 7);
  for (uint64_t m : {4u, 6u, 8u}) {
    const uint64_t n = uint64_t{1} << m;
    for (size_t d = 0; d < s.dims(); ++d) {
      std::set<uint64_t> cells;
      for (uint64_t i = 0; i < n; ++i) {
        const double v = s.point(i)[d];
        ASSERT_GT(v, 0);
        ASSERT_LT(v, 1);
        cells.insert(static_cast<uint64_t>(v * static_cast<double>(n)));
      }
      EXPECT_EQ(cells.size(), n) << "dimension " << d << ", 2^" << m << " points";
    }
  }
}

TEST(Sobol, TwoDimensionalNetOfFirstPair) {
  // Dimensions 0 and 1 form a (0, 2)-sequence: 16 points, one in each 4x4 cell.
  const Sobol s(2, 11);
  std::set<std::pair<int, int>> cells;
  for (uint64_t i = 0; i < 16; ++i) {
    const auto p = s.point(i);
    cells.insert({static_cast<int>(p[0] * 4), static_cast<int>(p[1] * 4)});
  }
  EXPECT_EQ(cells.size(), 16u);
}

TEST(Sobol, DeterministicPerSeedAndShiftedAcrossSeeds) {
  EXPECT_EQ(Sobol(5, 3).point(17), Sobol(5, 3).point(17));
  EXPECT_NE(Sobol(5, 3).point(17), Sobol(5, 4).point(17));
}

}  // namespace
}  // namespace tune::bayes
