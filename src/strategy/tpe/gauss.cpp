#include "strategy/tpe/gauss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "space/rng.h"

namespace tune::tpe {

double log_normal_cdf(double x) {
  if (x > -30) return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
  // Asymptotic series of the Mills ratio: Phi(x) ~ phi(x)/|x| (1 - 1/x^2 + 3/x^4 - 15/x^6).
  const double x2 = x * x;
  const double series = 1 - 1 / x2 + 3 / (x2 * x2) - 15 / (x2 * x2 * x2);
  return -0.5 * x2 - std::log(-x) - 0.5 * std::log(2 * M_PI) + std::log(series);
}

double log_normal_mass(double a, double b) {
  if (!(a < b)) return -std::numeric_limits<double>::infinity();
  if (b <= 0)
    return log_normal_cdf(b) + std::log1p(-std::exp(log_normal_cdf(a) - log_normal_cdf(b)));
  if (a >= 0) return log_normal_mass(-b, -a);  // the mirror image, where the CDF is small
  // a < 0 < b: one minus the two tails, no cancellation.
  return std::log1p(-0.5 * std::erfc(-a / std::sqrt(2.0)) - 0.5 * std::erfc(b / std::sqrt(2.0)));
}

double truncated_normal_draw(std::mt19937_64& rng, double mu, double sigma, double low,
                             double high) {
  for (int i = 0; i < 1000; ++i) {
    const double x = mu + sigma * normal_draw(rng);
    if (x >= low && x <= high) return x;
  }
  return std::clamp(mu, low, high);  // unreachable with TPE's bandwidths
}

}  // namespace tune::tpe
