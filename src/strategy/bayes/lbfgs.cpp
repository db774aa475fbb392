#include "strategy/bayes/lbfgs.h"

#include <LBFGSB.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace tune::bayes {

namespace {

// The objective as LBFGSpp calls it, remembering the best finite point: the solver's line
// search may throw (a step that leaves the region where f is finite, or rounding at the end),
// and the best point so far is then the answer.
struct Tracked {
  const Objective& f;
  std::vector<double> x, g;
  std::vector<double> best_x;
  double best = std::numeric_limits<double>::infinity();
  int evaluations = 0;

  double operator()(const Eigen::VectorXd& v, Eigen::VectorXd& grad) {
    x.assign(v.data(), v.data() + v.size());
    g.assign(x.size(), 0.0);
    const double value = f(x, g);
    ++evaluations;
    if (!std::isfinite(value)) {
      // A huge value with a zero gradient makes the line search back off.
      grad.setZero();
      return std::numeric_limits<double>::max() / 4;
    }
    grad = Eigen::Map<const Eigen::VectorXd>(g.data(), v.size());
    if (value < best) {
      best = value;
      best_x = x;
    }
    return value;
  }
};

}  // namespace

MinimizeResult minimize_box(const Objective& f, std::vector<double>& x,
                            const std::vector<double>& lo, const std::vector<double>& hi,
                            const MinimizeOptions& options) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::VectorXd v(n), lb(n), ub(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    lb[i] = lo[k];
    ub[i] = hi[k];
    v[i] = std::clamp(x[k], lo[k], hi[k]);
  }
  LBFGSpp::LBFGSBParam<double> param;
  param.m = options.memory;
  param.epsilon = options.gradient_tol;
  param.epsilon_rel = 0;
  param.past = 1;
  param.delta = options.relative_tol;
  param.max_iterations = options.max_iters;
  param.max_linesearch = 30;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  Tracked tracked{f, {}, {}, {}};
  MinimizeResult result;
  double fx = 0;
  try {
    result.iterations = solver.minimize(tracked, v, fx, lb, ub);
  } catch (const std::exception&) {
    // Line search failure: keep the best point evaluated (below).
  }
  result.evaluations = tracked.evaluations;
  if (tracked.best_x.empty()) {  // not even the start was finite
    for (Eigen::Index i = 0; i < n; ++i) x[static_cast<size_t>(i)] = v[i];
    result.value = std::numeric_limits<double>::infinity();
    return result;
  }
  x = tracked.best_x;
  result.value = tracked.best;
  return result;
}

}  // namespace tune::bayes
