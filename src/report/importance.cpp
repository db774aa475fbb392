// PED-ANOVA importances: for each parameter, the Pearson divergence between a Parzen estimate of
// it over the top trials and one over all usable trials, both on the same finite support.
//
// Choices made here (the paper leaves them open):
//   - Support: a categorical's choices; an int or stepped float's levels when there are at most
//     kGridPoints of them; otherwise kGridPoints evenly spaced unit coordinates. Observations
//     are binned to the nearest support point, so each density costs O(points^2), whatever the
//     number of trials.
//   - Numerical kernels are Gaussians on the unit (log-aware) scale, each normalised over the
//     support points (so no mass is lost past the ends). Bandwidth: Silverman's normal-reference
//     form of Scott's rule, 1.059 * min(sd, IQR / 1.34) * n^(-1/5), the IQR ignored when it is 0
//     (a majority on one level would otherwise force the minimum), and at least half the
//     spacing of the support, below which the estimate is a histogram anyway.
//   - Categorical "kernel": frequencies of the choices.
//   - Every density mixes in a uniform prior weighing as much as one observation, so that
//     p_all is never 0 and a few top trials do not make a spike out of chance.
//   - Conditional parameters: with alpha the share of top trials where the parameter counts and
//     beta that of all trials, the divergence is weighted by alpha^2 / beta (the regime weight of
//     Conditional PED-ANOVA, Theorem 4.2, for the one regime where it is active).
#include "report/importance.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace tune {
namespace {

constexpr size_t kGridPoints = 50;
constexpr double kPriorWeight = 1.0;

// Complete trials with a finite value, best first; equal values by trial number, so the top set
// does not depend on the order of `trials`.
std::vector<const TrialSnapshot*> ranked_trials(const std::vector<TrialSnapshot>& trials,
                                                Direction direction) {
  std::vector<const TrialSnapshot*> ranked;
  for (const TrialSnapshot& t : trials)
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) ranked.push_back(&t);
  std::sort(ranked.begin(), ranked.end(),
            [direction](const TrialSnapshot* a, const TrialSnapshot* b) {
              if (*a->value != *b->value) return better(*a->value, *b->value, direction);
              return a->number < b->number;
            });
  return ranked;
}

size_t top_count(size_t usable, double top_fraction) {
  const auto wanted = static_cast<size_t>(std::ceil(top_fraction * static_cast<double>(usable)));
  return std::min(usable, std::max<size_t>(2, wanted));
}

// Where one numerical parameter's densities are evaluated, ascending unit coordinates.
std::vector<double> support_points(const Param& param) {
  const size_t levels = param.level_count();
  std::vector<double> points;
  if (levels > 0 && levels <= kGridPoints) {
    for (size_t i = 0; i < levels; ++i) points.push_back(param.to_unit(param.level(i)));
  } else {
    for (size_t i = 0; i < kGridPoints; ++i)
      points.push_back(static_cast<double>(i) / static_cast<double>(kGridPoints - 1));
  }
  return points;
}

size_t nearest_point(const std::vector<double>& points, double u) {
  const auto it = std::lower_bound(points.begin(), points.end(), u);
  if (it == points.begin()) return 0;
  if (it == points.end()) return points.size() - 1;
  const auto i = static_cast<size_t>(it - points.begin());
  return u - points[i - 1] <= points[i] - u ? i - 1 : i;
}

// The parameter's observations in the trials where it counts (active, and holding a value of
// its domain: a value the space has since dropped is skipped): unit coordinates (numerical) or
// choice indices (categorical), in ranked order, so the first `top` of them come from top trials.
struct Observations {
  std::vector<double> coords;
  size_t top = 0;
};

Observations observe(const Space& space, const Param& param,
                     const std::vector<const TrialSnapshot*>& ranked, size_t n_top) {
  Observations obs;
  for (size_t r = 0; r < ranked.size(); ++r) {
    const Config& config = ranked[r]->params;
    const auto it = config.find(param.name);
    if (it == config.end() || !param.contains(*it) || !space.is_active(param, config)) continue;
    if (param.kind == ParamKind::Categorical) {
      const auto choice = std::find(param.choices.begin(), param.choices.end(), *it);
      obs.coords.push_back(static_cast<double>(choice - param.choices.begin()));
    } else {
      obs.coords.push_back(param.to_unit(*it));
    }
    if (r < n_top) obs.top = obs.coords.size();
  }
  return obs;
}

double quartile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(h);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double bandwidth(std::vector<double> coords, double minimum) {
  const double n = static_cast<double>(coords.size());
  const double mean = std::accumulate(coords.begin(), coords.end(), 0.0) / n;
  double squares = 0;
  for (double c : coords) squares += (c - mean) * (c - mean);
  const double sd = std::sqrt(squares / std::max(1.0, n - 1));
  std::sort(coords.begin(), coords.end());
  const double iqr = quartile(coords, 0.75) - quartile(coords, 0.25);
  const double spread = iqr > 0 ? std::min(sd, iqr / 1.34) : sd;
  return std::max(minimum, 1.059 * spread * std::pow(n, -0.2));
}

// Mixes per-point observation mass (summing to `n`) with the uniform prior: a distribution.
std::vector<double> with_prior(std::vector<double> mass, double n) {
  const double prior = kPriorWeight / static_cast<double>(mass.size());
  for (double& m : mass) m = (m + prior) / (n + kPriorWeight);
  return mass;
}

// Parzen estimate of `coords` as probabilities over `points`.
std::vector<double> numerical_density(const std::vector<double>& points,
                                      const std::vector<double>& coords) {
  const size_t m = points.size();
  std::vector<double> counts(m, 0.0), mass(m, 0.0), kernel(m);
  for (double c : coords) counts[nearest_point(points, c)] += 1;
  const double h = bandwidth(coords, 0.5 / static_cast<double>(m - 1));
  for (size_t c = 0; c < m; ++c) {
    if (counts[c] == 0) continue;
    for (size_t j = 0; j < m; ++j) {
      const double z = (points[j] - points[c]) / h;
      kernel[j] = std::exp(-0.5 * z * z);
    }
    const double total = std::accumulate(kernel.begin(), kernel.end(), 0.0);
    for (size_t j = 0; j < m; ++j) mass[j] += counts[c] * kernel[j] / total;
  }
  return with_prior(std::move(mass), static_cast<double>(coords.size()));
}

std::vector<double> categorical_density(size_t choices, const std::vector<double>& indices) {
  std::vector<double> counts(choices, 0.0);
  for (double i : indices) counts[static_cast<size_t>(i)] += 1;
  return with_prior(std::move(counts), static_cast<double>(indices.size()));
}

// sum_j p_all(j) * (p_top(j) / p_all(j) - 1)^2; p_all is positive thanks to the prior.
double pearson_divergence(const std::vector<double>& top, const std::vector<double>& all) {
  double sum = 0;
  for (size_t j = 0; j < all.size(); ++j) {
    const double ratio = top[j] / all[j] - 1;
    sum += all[j] * ratio * ratio;
  }
  return sum;
}

double divergence(const Param& param, const Observations& obs) {
  const std::vector<double> top(obs.coords.begin(),
                                obs.coords.begin() + static_cast<std::ptrdiff_t>(obs.top));
  if (param.kind == ParamKind::Categorical) {
    if (param.choices.size() < 2) return 0;
    return pearson_divergence(categorical_density(param.choices.size(), top),
                              categorical_density(param.choices.size(), obs.coords));
  }
  const std::vector<double> points = support_points(param);
  if (points.size() < 2) return 0;
  return pearson_divergence(numerical_density(points, top), numerical_density(points, obs.coords));
}

}  // namespace

std::vector<ParamImportance> param_importance(const Space& space,
                                              const std::vector<TrialSnapshot>& trials,
                                              Direction direction,
                                              const ImportanceOptions& options) {
  // A caller's mistake rather than the user's (no config file sets it): say so loudly.
  if (!(options.top_fraction > 0 && options.top_fraction <= 1))
    throw std::invalid_argument("importance: top_fraction must be in (0, 1], got " +
                                std::to_string(options.top_fraction));
  const std::vector<const TrialSnapshot*> ranked = ranked_trials(trials, direction);
  const bool enough = static_cast<long long>(ranked.size()) >= options.min_trials;
  const size_t n_top = top_count(ranked.size(), options.top_fraction);
  std::vector<ParamImportance> result;
  double total = 0;
  for (const Param& param : space.params()) {
    double value = 0;
    const Observations obs = enough ? observe(space, param, ranked, n_top) : Observations{};
    if (obs.top > 0) {
      const double alpha = static_cast<double>(obs.top) / static_cast<double>(n_top);
      const double beta =
          static_cast<double>(obs.coords.size()) / static_cast<double>(ranked.size());
      value = alpha * alpha / beta * divergence(param, obs);
    }
    total += value;
    result.push_back({param.name, value});
  }
  for (ParamImportance& p : result) p.importance = total > 0 ? p.importance / total : 0;
  std::sort(result.begin(), result.end(), [](const ParamImportance& a, const ParamImportance& b) {
    if (a.importance != b.importance) return a.importance > b.importance;
    return a.param < b.param;
  });
  return result;
}

}  // namespace tune
