#pragma once
// Standard-normal helpers for the Parzen estimators: the log of the probability mass between two
// standardised points (accurate far into the tails, where the plain difference of CDFs cancels
// to zero) and draws from a normal truncated to an interval that contains its mean.
#include <random>

namespace tune::tpe {

// log Phi(x), the standard normal CDF, without underflow for very negative x.
double log_normal_cdf(double x);
// log(Phi(b) - Phi(a)) for a <= b; -inf when a == b.
double log_normal_mass(double a, double b);
// A draw from N(mu, sigma^2) restricted to [low, high], low <= mu <= high (rejection: with the
// bandwidths TPE uses, the interval holds at least a third of the mass).
double truncated_normal_draw(std::mt19937_64& rng, double mu, double sigma, double low,
                             double high);

}  // namespace tune::tpe
