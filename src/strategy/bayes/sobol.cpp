#include "strategy/bayes/sobol.h"

#include <random>

#include "space/rng.h"

namespace tune::bayes {

namespace {

int degree(uint64_t p) {
  int d = -1;
  while (p) {
    p >>= 1;
    ++d;
  }
  return d;
}

// a * b mod p over GF(2).
uint64_t mulmod(uint64_t a, uint64_t b, uint64_t p, int deg) {
  uint64_t r = 0;
  while (b) {
    if (b & 1) r ^= a;
    b >>= 1;
    a <<= 1;
    if (a >> deg & 1) a ^= p;
  }
  return r;
}

uint64_t powmod_x(uint64_t e, uint64_t p, int deg) {
  uint64_t result = 1, base = deg == 1 ? (2 ^ p) : 2;  // x mod p
  while (e) {
    if (e & 1) result = mulmod(result, base, p, deg);
    base = mulmod(base, base, p, deg);
    e >>= 1;
  }
  return result;
}

std::vector<uint64_t> prime_factors(uint64_t n) {
  std::vector<uint64_t> f;
  for (uint64_t q = 2; q * q <= n; ++q)
    if (n % q == 0) {
      f.push_back(q);
      while (n % q == 0) n /= q;
    }
  if (n > 1) f.push_back(n);
  return f;
}

// x generates the multiplicative group of GF(2)[x]/p, i.e. x has order 2^deg - 1.
bool is_primitive(uint64_t p) {
  const int deg = degree(p);
  if (!(p & 1)) return false;
  const uint64_t order = (uint64_t{1} << deg) - 1;
  if (powmod_x(order, p, deg) != 1) return false;
  for (uint64_t q : prime_factors(order))
    if (powmod_x(order / q, p, deg) == 1) return false;
  return true;
}

}  // namespace

std::vector<uint32_t> primitive_polynomials(size_t count) {
  std::vector<uint32_t> out;
  for (uint32_t p = 3; out.size() < count && p < (1u << 30); ++p)
    if (is_primitive(p)) out.push_back(p);
  return out;
}

Sobol::Sobol(size_t dims, uint64_t seed) {
  const std::vector<uint32_t> polys = primitive_polynomials(dims > 0 ? dims - 1 : 0);
  std::mt19937_64 rng(splitmix64(seed ^ 0xD1B54A32D192ED03ull));
  directions_.assign(dims, std::vector<uint32_t>(32));
  for (size_t d = 0; d < dims; ++d) {
    std::vector<uint64_t> m(33);
    if (d == 0) {
      for (int k = 1; k <= 32; ++k) m[k] = 1;
    } else {
      const uint32_t p = polys[d - 1];
      const int s = degree(p);
      // Seeded odd initial numbers, the same for every study seed (the shift varies).
      std::mt19937_64 init(splitmix64(0x9E3779B97F4A7C15ull * (d + 1)));
      for (int k = 1; k <= s && k <= 32; ++k) m[k] = (init() % (uint64_t{1} << (k - 1))) * 2 + 1;
      for (int k = s + 1; k <= 32; ++k) {
        uint64_t v = m[k - s] ^ (m[k - s] << s);
        for (int j = 1; j < s; ++j)
          if (p >> (s - j) & 1) v ^= m[k - j] << j;
        m[k] = v;
      }
    }
    for (int k = 1; k <= 32; ++k) directions_[d][k - 1] = static_cast<uint32_t>(m[k] << (32 - k));
  }
  shift_.resize(dims);
  for (size_t d = 0; d < dims; ++d) shift_[d] = static_cast<uint32_t>(rng() >> 32);
}

void Sobol::point(uint64_t index, double* out) const {
  const uint64_t gray = index ^ (index >> 1);
  for (size_t d = 0; d < directions_.size(); ++d) {
    uint32_t x = 0;
    for (int k = 0; k < 32 && (gray >> k); ++k)
      if (gray >> k & 1) x ^= directions_[d][k];
    x ^= shift_[d];
    out[d] = (static_cast<double>(x) + 0.5) / 4294967296.0;
  }
}

std::vector<double> Sobol::point(uint64_t index) const {
  std::vector<double> p(dims());
  point(index, p.data());
  return p;
}

}  // namespace tune::bayes
