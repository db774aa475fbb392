#include "strategy/bayes/acquisition.h"

#include <cmath>
#include <limits>

namespace tune::bayes {

namespace {
const double kInvSqrt2Pi = 0.39894228040143267794;
const double kSqrtHalfPi = 1.25331413731550025121;  // sqrt(pi / 2)
const double kLogSqrt2Pi = 0.91893853320467274178;
// Beyond this |z| the asymptotic series of 1 - |z| R(|z|) is accurate to double precision; below
// it erfcx is computed as exp(x^2) erfc(x), which does not overflow there.
const double kSeriesFrom = 35.0;

// For z <= -1: one_minus_t = h(z) / phi(z) = 1 - |z| R(|z|) (R the Mills ratio), and R(|z|).
void tail_terms(double z, double* one_minus_t, double* mills) {
  const double a = -z;
  if (a > kSeriesFrom) {
    const double q = 1.0 / (a * a);
    // 1 - a R(a) = q - 3q^2 + 15q^3 - 105q^4 + 945q^5 - ...
    *one_minus_t = q * (1 - q * (3 - q * (15 - q * (105 - q * 945))));
    *mills = (1 - *one_minus_t) / a;
    return;
  }
  *mills = kSqrtHalfPi * erfcx(a / std::sqrt(2.0));
  *one_minus_t = 1 - a * *mills;
}
}  // namespace

double normal_pdf(double z) {
  return kInvSqrt2Pi * std::exp(-0.5 * z * z);
}
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double erfcx(double x) {
  if (x < 25) return std::exp(x * x) * std::erfc(x);
  // Asymptotic: 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8)).
  const double q = 1.0 / (2 * x * x);
  return (1 - q * (1 - q * (3 - q * (15 - q * 105)))) / (x * std::sqrt(M_PI));
}

double ei_h(double z) {
  return z * normal_cdf(z) + normal_pdf(z);
}

double log_ei_h(double z) {
  if (z > -1) return std::log(ei_h(z));
  double one_minus_t, mills;
  tail_terms(z, &one_minus_t, &mills);
  return -0.5 * z * z - kLogSqrt2Pi + std::log(one_minus_t);
}

double dlog_ei_h(double z) {
  if (z > -1) return normal_cdf(z) / ei_h(z);
  double one_minus_t, mills;
  tail_terms(z, &one_minus_t, &mills);
  return mills / one_minus_t;  // Phi(z) / h(z) with phi(z) cancelled
}

double expected_improvement(double mean, double sigma, double best) {
  if (!(sigma > 0)) return std::max(best - mean, 0.0);
  return sigma * ei_h((best - mean) / sigma);
}

double log_expected_improvement(double mean, double sigma, double best) {
  return log_expected_improvement(mean, sigma, best, nullptr, nullptr);
}

double log_expected_improvement(double mean, double sigma, double best, double* dmean,
                                double* dsigma) {
  if (!(sigma > 0)) {
    if (dmean) *dmean = 0;
    if (dsigma) *dsigma = 0;
    return best > mean ? std::log(best - mean) : -std::numeric_limits<double>::infinity();
  }
  const double z = (best - mean) / sigma;
  if (dmean || dsigma) {
    const double g = dlog_ei_h(z);
    if (dmean) *dmean = -g / sigma;
    if (dsigma) *dsigma = (1 - g * z) / sigma;
  }
  return std::log(sigma) + log_ei_h(z);
}

}  // namespace tune::bayes
