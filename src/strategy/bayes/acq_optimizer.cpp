#include "strategy/bayes/acq_optimizer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include "space/rng.h"
#include "space/space.h"
#include "strategy/bayes/acquisition.h"
#include "strategy/bayes/lbfgs.h"
#include "strategy/bayes/sobol.h"

namespace tune::bayes {

namespace {

struct Scored {
  double value;
  std::vector<double> point;
  Config config;
};

// First encoded coordinate of each parameter.
std::vector<size_t> first_dims(const Space& space) {
  std::vector<size_t> first(space.params().size(), 0);
  const auto& owner = space.dim_owner();
  for (size_t d = owner.size(); d-- > 0;) first[owner[d]] = d;
  return first;
}

bool continuous(const Param& p) {
  return p.kind == ParamKind::Float && !p.step;
}

// A categorical parameter's one-hot coordinates (from `onehot`) set to a random choice.
void draw_choice(const Param& p, double* onehot, std::mt19937_64& rng) {
  const size_t k = p.choices.size(), pick = uniform_index(rng, k);
  for (size_t j = 0; j < k; ++j) onehot[j] = j == pick ? 1.0 : 0.0;
}

// A point near an incumbent: a random subset of parameters moved by a Gaussian step of a random
// scale (numeric) or switched to a random choice (categorical).
std::vector<double> perturb(const Space& space, const std::vector<size_t>& first,
                            const std::vector<double>& x, std::mt19937_64& rng) {
  std::vector<double> out = x;
  const auto& params = space.params();
  const double prob = std::min(1.0, 5.0 / static_cast<double>(params.size()));
  const double sigma = std::exp(std::log(0.005) + unit_double(rng) * std::log(0.3 / 0.005));
  const size_t forced = uniform_index(rng, params.size());  // at least one parameter moves
  for (size_t i = 0; i < params.size(); ++i) {
    if (i != forced && unit_double(rng) >= prob) continue;
    const Param& p = params[i];
    if (p.kind == ParamKind::Categorical) {
      draw_choice(p, &out[first[i]], rng);
    } else {
      out[first[i]] = std::clamp(out[first[i]] + sigma * normal_draw(rng), 0.0, 1.0);
    }
  }
  return out;
}

std::vector<double> score_all(const GaussianProcess& gp, double best,
                              const std::vector<std::vector<double>>& points, unsigned threads) {
  std::vector<double> scores(points.size());
  auto work = [&](size_t from, size_t to) {
    const size_t block = 128;
    for (size_t b = from; b < to; b += block) {
      const size_t end = std::min(to, b + block);
      Matrix x(end - b, gp.dims());
      for (size_t i = b; i < end; ++i) std::copy(points[i].begin(), points[i].end(), x.row(i - b));
      const std::vector<Posterior> p = gp.predict_many(x);
      for (size_t i = b; i < end; ++i)
        scores[i] = log_expected_improvement(p[i - b].mean, std::sqrt(p[i - b].var), best);
    }
  };
  threads =
      std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(points.size() / 64 + 1)));
  if (threads == 1) {
    work(0, points.size());
    return scores;
  }
  std::vector<std::thread> pool;
  const size_t chunk = (points.size() + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, std::min(points.size(), t * chunk),
                      std::min(points.size(), (t + 1) * chunk));
  work(0, std::min(points.size(), chunk));
  for (auto& th : pool) th.join();
  return scores;
}

// Gradient ascent of log EI over the continuous coordinates of active float parameters.
std::vector<double> refine_continuous(const GaussianProcess& gp, double best, const Space& space,
                                      const std::vector<size_t>& first, const Config& config,
                                      std::vector<double> x, int iters) {
  std::vector<size_t> dims;
  for (size_t i = 0; i < space.params().size(); ++i) {
    const Param& p = space.params()[i];
    if (continuous(p) && config.contains(p.name)) dims.push_back(first[i]);
  }
  if (dims.empty() || iters <= 0) return x;
  const size_t d = x.size();
  std::vector<double> dmean(d), dvar(d), point = x;
  const Objective f = [&](const std::vector<double>& v, std::vector<double>& g) {
    for (size_t k = 0; k < dims.size(); ++k) point[dims[k]] = v[k];
    const Posterior p = gp.predict(point.data(), dmean.data(), dvar.data());
    const double sigma = std::sqrt(p.var);
    double dm = 0, ds = 0;
    const double value = log_expected_improvement(p.mean, sigma, best, &dm, &ds);
    for (size_t k = 0; k < dims.size(); ++k)
      g[k] = -(dm * dmean[dims[k]] + ds * dvar[dims[k]] / (2 * sigma));
    return -value;
  };
  std::vector<double> v(dims.size()), lo(dims.size(), 0.0), hi(dims.size(), 1.0);
  for (size_t k = 0; k < dims.size(); ++k) v[k] = x[dims[k]];
  MinimizeOptions mo;
  mo.max_iters = iters;
  mo.gradient_tol = 1e-7;
  minimize_box(f, v, lo, hi, mo);
  for (size_t k = 0; k < dims.size(); ++k) x[dims[k]] = v[k];
  return x;
}

// Values to try instead of a discrete parameter's current one: the neighbouring levels, a
// larger jump either way on the unit scale, and every choice of a categorical.
std::vector<Json> discrete_moves(const Param& p, const Json& value, double u) {
  std::vector<Json> out;
  if (p.kind == ParamKind::Categorical) {
    for (const Json& c : p.choices)
      if (c != value) out.push_back(c);
    return out;
  }
  const size_t levels = p.level_count();
  if (levels > 1) {
    const double step = 1.0 / static_cast<double>(levels - 1);
    for (double du : {-step, step, -0.1, 0.1}) {
      const Json v = p.from_unit(std::clamp(u + du, 0.0, 1.0));
      if (v != value && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
  }
  return out;
}

// Coordinate search over the discrete parameters: take the best improving move, repeat.
Scored refine_discrete(const GaussianProcess& gp, double best, const Space& space,
                       const std::vector<size_t>& first, const PointSet& seen, Scored s) {
  for (int pass = 0; pass < 3; ++pass) {
    Scored best_move = s;
    for (size_t i = 0; i < space.params().size(); ++i) {
      const Param& p = space.params()[i];
      if (continuous(p) || !s.config.contains(p.name)) continue;
      const Json current = s.config.at(p.name);
      for (const Json& v : discrete_moves(p, current, s.point[first[i]])) {
        Config c = s.config;
        c[p.name] = v;
        Config snapped_config;
        std::vector<double> e = snap(space, space.encode(c), &snapped_config);
        if (seen.count(e)) continue;
        const double val = log_ei_at(gp, e.data(), best);
        if (val > best_move.value) best_move = Scored{val, std::move(e), std::move(snapped_config)};
      }
    }
    if (best_move.value <= s.value) break;
    s = std::move(best_move);
  }
  return s;
}

// Redraws the winner's active parameters at random, one at a time in a random order, keeping
// each new value while the point's log EI stays above `floor`.
Scored diversify(const GaussianProcess& gp, double best, const Space& space,
                 const std::vector<size_t>& first, const PointSet& seen, double floor, Scored s,
                 std::mt19937_64& rng) {
  std::vector<size_t> order(space.params().size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i : order) {
    const Param& p = space.params()[i];
    if (!s.config.contains(p.name)) continue;
    std::vector<double> x = s.point;
    if (p.kind == ParamKind::Categorical) {
      draw_choice(p, &x[first[i]], rng);
    } else {
      x[first[i]] = unit_double(rng);
    }
    Config c;
    std::vector<double> e = snap(space, x, &c);
    if (seen.count(e)) continue;
    const double v = log_ei_at(gp, e.data(), best);
    if (v >= floor) s = Scored{v, std::move(e), std::move(c)};
  }
  return s;
}

}  // namespace

std::vector<double> snap(const Space& space, const std::vector<double>& x, Config* config) {
  Config c = space.decode(x);
  std::vector<double> e = space.encode(c);
  if (config) *config = std::move(c);
  return e;
}

double log_ei_at(const GaussianProcess& gp, const double* point, double best) {
  const Posterior p = gp.predict(point);
  return log_expected_improvement(p.mean, std::sqrt(p.var), best);
}

std::optional<Proposal> maximize_log_ei(const GaussianProcess& gp, double best, const Space& space,
                                        const PointSet& seen,
                                        const std::vector<std::vector<double>>& incumbents,
                                        const AcquisitionSearch& options) {
  const size_t dims = space.encoded_dims();
  const std::vector<size_t> first = first_dims(space);
  std::mt19937_64 rng(splitmix64(options.seed ^ 0xA0761D6478BD642Full));
  const size_t n_local =
      incumbents.empty() ? 0 : static_cast<size_t>(options.local_fraction * options.candidates);
  const size_t n_global = options.candidates - std::min(n_local, options.candidates);
  const Sobol sobol(dims, options.seed);

  // Candidates, snapped and deduplicated, none of them seen.
  std::vector<std::vector<double>> points;
  std::vector<Config> configs;
  PointSet unique;
  auto add = [&](const std::vector<double>& raw) {
    Config c;
    std::vector<double> e = snap(space, raw, &c);
    if (seen.count(e) || !unique.insert(e).second) return;
    points.push_back(std::move(e));
    configs.push_back(std::move(c));
  };
  std::vector<double> raw(dims);
  for (size_t i = 0; i < n_global; ++i) {
    sobol.point(i, raw.data());
    add(raw);
  }
  for (size_t i = 0; i < n_local; ++i) {
    // Favour the best incumbents: index from a geometric-like draw over the list.
    const size_t k =
        std::min(incumbents.size() - 1,
                 static_cast<size_t>(incumbents.size() * std::pow(unit_double(rng), 2)));
    add(perturb(space, first, incumbents[k], rng));
  }
  if (points.empty()) return std::nullopt;

  const std::vector<double> scores = score_all(gp, best, points, options.threads);
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t starts = std::min(options.local_starts, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(starts), order.end(),
                    [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  Scored winner{scores[order[0]], points[order[0]], configs[order[0]]};
  for (size_t s = 0; s < starts; ++s) {
    const size_t i = order[s];
    Scored cur{scores[i], points[i], configs[i]};
    Config c;
    std::vector<double> e = snap(
        space,
        refine_continuous(gp, best, space, first, cur.config, cur.point, options.local_iters), &c);
    if (!seen.count(e)) {
      const double v = log_ei_at(gp, e.data(), best);
      if (v > cur.value) cur = Scored{v, std::move(e), std::move(c)};
    }
    cur = refine_discrete(gp, best, space, first, seen, std::move(cur));
    if (cur.value > winner.value) winner = std::move(cur);
  }
  if (options.explore > 0)
    winner = diversify(gp, best, space, first, seen, winner.value + std::log1p(-options.explore),
                       std::move(winner), rng);
  return Proposal{std::move(winner.point), std::move(winner.config), winner.value};
}

}  // namespace tune::bayes
