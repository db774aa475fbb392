#pragma once
// Box-constrained quasi-Newton minimisation for the GP hyperparameters and the refinement of
// acquisition maxima: LBFGSpp's L-BFGS-B (header-only, on Eigen; Debian liblbfgspp-dev) behind
// a std::vector interface, so that only this file's source includes it. Both problems have a
// handful of variables and analytic gradients.
#include <functional>
#include <vector>

namespace tune::bayes {

// Returns f(x) and writes the gradient. May return +inf (or NaN) where undefined (a Cholesky
// that fails): the minimiser then stops at the best finite point it has seen.
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& grad)>;

struct MinimizeOptions {
  int max_iters = 100;
  int memory = 8;
  double gradient_tol = 1e-6;   // stop when the projected gradient's max-norm is below this
  double relative_tol = 1e-10;  // ...or when f improves by less than this (relative)
};

struct MinimizeResult {
  double value = 0;
  int iterations = 0;
  int evaluations = 0;
};

// Minimises f over lo <= x <= hi starting from x (clamped into the box first); x ends at the
// best point found.
MinimizeResult minimize_box(const Objective& f, std::vector<double>& x,
                            const std::vector<double>& lo, const std::vector<double>& hi,
                            const MinimizeOptions& options = {});

}  // namespace tune::bayes
