#pragma once
// Expected Improvement for minimisation and its logarithm. EI underflows to 0 far from the
// incumbent (z << 0), which leaves an acquisition optimiser with a flat landscape; log-EI stays
// finite and informative there, so the optimiser maximises log-EI.
namespace tune::bayes {

double normal_pdf(double z);
double normal_cdf(double z);
// erfcx(x) = exp(x^2) erfc(x) for x >= 0 (finite for large x where erfc underflows).
double erfcx(double x);

// h(z) = z Phi(z) + phi(z): EI = sigma h((best - mean) / sigma).
double ei_h(double z);
// log h(z), accurate for any z (asymptotic form for very negative z).
double log_ei_h(double z);
// d log h / dz = Phi(z) / h(z), accurate for any z.
double dlog_ei_h(double z);

// EI of a Gaussian N(mean, sigma^2) below `best` (minimisation), and its log.
double expected_improvement(double mean, double sigma, double best);
double log_expected_improvement(double mean, double sigma, double best);
// log EI with its partial derivatives with respect to mean and sigma.
double log_expected_improvement(double mean, double sigma, double best, double* dmean,
                                double* dsigma);

}  // namespace tune::bayes
