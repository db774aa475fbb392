#include "strategy/bayes/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace tune::bayes {

namespace {

double dotv(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Variables sitting on a bound with the gradient pushing outwards are held fixed this step.
std::vector<bool> free_mask(const std::vector<double>& x, const std::vector<double>& g,
                            const std::vector<double>& lo, const std::vector<double>& hi) {
  std::vector<bool> free(x.size(), true);
  for (size_t i = 0; i < x.size(); ++i)
    if ((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0)) free[i] = false;
  return free;
}

struct Pair {
  std::vector<double> s, y;
  double rho;
};

// The two-loop recursion: an approximation of -H^{-1} g restricted to the free variables.
std::vector<double> direction(const std::vector<double>& g, const std::vector<bool>& free,
                              const std::deque<Pair>& pairs) {
  std::vector<double> q(g.size());
  for (size_t i = 0; i < g.size(); ++i) q[i] = free[i] ? g[i] : 0.0;
  std::vector<double> a(pairs.size());
  for (size_t k = pairs.size(); k-- > 0;) {
    a[k] = pairs[k].rho * dotv(pairs[k].s, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] -= a[k] * pairs[k].y[i];
  }
  if (!pairs.empty()) {
    const Pair& last = pairs.back();
    const double gamma = dotv(last.s, last.y) / dotv(last.y, last.y);
    for (double& v : q) v *= gamma;
  }
  for (size_t k = 0; k < pairs.size(); ++k) {
    const double b = pairs[k].rho * dotv(pairs[k].y, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] += pairs[k].s[i] * (a[k] - b);
  }
  for (size_t i = 0; i < q.size(); ++i) q[i] = free[i] ? -q[i] : 0.0;
  return q;
}

double projected_gradient_norm(const std::vector<double>& g, const std::vector<bool>& free) {
  double m = 0;
  for (size_t i = 0; i < g.size(); ++i)
    if (free[i]) m = std::max(m, std::abs(g[i]));
  return m;
}

}  // namespace

MinimizeResult minimize_box(const Objective& f, std::vector<double>& x,
                            const std::vector<double>& lo, const std::vector<double>& hi,
                            const MinimizeOptions& options) {
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], lo[i], hi[i]);
  MinimizeResult result;
  std::vector<double> g(n), g_new(n), x_new(n);
  double fx = f(x, g);
  result.evaluations = 1;
  if (!std::isfinite(fx)) {
    result.value = fx;
    return result;
  }
  std::deque<Pair> pairs;
  for (int it = 0; it < options.max_iters; ++it) {
    result.iterations = it + 1;
    std::vector<bool> free = free_mask(x, g, lo, hi);
    if (projected_gradient_norm(g, free) < options.gradient_tol) break;
    std::vector<double> d = direction(g, free, pairs);
    double slope = dotv(d, g);
    if (!(slope < 0)) {  // not a descent direction: forget the curvature, use steepest descent
      pairs.clear();
      for (size_t i = 0; i < n; ++i) d[i] = free[i] ? -g[i] : 0.0;
      slope = dotv(d, g);
      if (!(slope < 0)) break;
    }
    // Without curvature information the first step is scaled to move at most 1 unit.
    double step = 1.0;
    if (pairs.empty()) {
      double dmax = 0;
      for (double v : d) dmax = std::max(dmax, std::abs(v));
      step = std::min(1.0, 1.0 / dmax);
    }
    double f_new = fx;
    bool accepted = false;
    for (int ls = 0; ls < 30; ++ls) {
      for (size_t i = 0; i < n; ++i) x_new[i] = std::clamp(x[i] + step * d[i], lo[i], hi[i]);
      f_new = f(x_new, g_new);
      ++result.evaluations;
      double decrease = 0;
      for (size_t i = 0; i < n; ++i) decrease += g[i] * (x_new[i] - x[i]);
      if (std::isfinite(f_new) && f_new <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.3;
    }
    if (!accepted) break;
    Pair p{std::vector<double>(n), std::vector<double>(n), 0};
    for (size_t i = 0; i < n; ++i) {
      p.s[i] = x_new[i] - x[i];
      p.y[i] = g_new[i] - g[i];
    }
    const double sy = dotv(p.s, p.y);
    if (sy > 1e-12) {
      p.rho = 1.0 / sy;
      pairs.push_back(std::move(p));
      if (static_cast<int>(pairs.size()) > options.memory) pairs.pop_front();
    }
    const double improvement = fx - f_new;
    x = x_new;
    g = g_new;
    fx = f_new;
    if (improvement <= options.relative_tol * std::max(1.0, std::abs(fx))) break;
  }
  result.value = fx;
  return result;
}

}  // namespace tune::bayes
