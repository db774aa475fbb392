#pragma once
// A Sobol low-discrepancy sequence in any number of dimensions, with a random digital shift
// (XOR scrambling) per seed. Primitive polynomials are found by search; the first dimension is
// van der Corput's, the others use seeded odd initial direction numbers (m_k < 2^k), which keeps
// every dimension a (0,1)-sequence in base 2 (each of the first 2^m points lies in its own
// interval [j/2^m, (j+1)/2^m)). Direction numbers are not the optimised Joe-Kuo tables: the
// shift and the GP's own modelling make that difference small for our use.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tune::bayes {

class Sobol {
 public:
  Sobol(size_t dims, uint64_t seed);
  size_t dims() const { return directions_.size(); }
  // The index-th point (index >= 0), each coordinate in (0, 1).
  std::vector<double> point(uint64_t index) const;
  void point(uint64_t index, double* out) const;

 private:
  std::vector<std::vector<uint32_t>> directions_;  // 32 direction integers per dimension
  std::vector<uint32_t> shift_;
};

// Primitive polynomials over GF(2) in increasing degree (then value), as bit masks with the
// leading and constant terms set: x + 1 is 0b11, x^2 + x + 1 is 0b111. First `count` of them.
std::vector<uint32_t> primitive_polynomials(size_t count);

}  // namespace tune::bayes
