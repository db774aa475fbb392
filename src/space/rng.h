#pragma once
// Portable random helpers: the standard distributions differ between standard libraries, so a
// seed would not give the same configs everywhere. These depend only on mt19937_64's output,
// which the standard fixes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace tune {

// A well-mixed 64-bit hash (splitmix64's finaliser): nearby inputs give unrelated outputs.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The generator for one trial: depends only on (seed, trial_number), so any process proposing
// trial k of a study draws the same numbers.
inline std::mt19937_64 trial_stream(uint64_t seed, int trial_number) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(trial_number)));
}

// Uniform in [0, 1) with 53 random bits.
inline double unit_double(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

// A standard normal draw (Box-Muller on two uniform draws).
inline double normal_draw(std::mt19937_64& rng) {
  const double u1 = std::max(unit_double(rng), 1e-300), u2 = unit_double(rng);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// Uniform in [0, n), n > 0, without modulo bias (rejection).
inline uint64_t uniform_index(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

}  // namespace tune
