#include "strategy/tpe/tpe_strategy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "common/error.h"
#include "common/hparams.h"
#include "space/rng.h"
#include "space/space.h"
#include "strategy/options.h"
#include "strategy/random.h"
#include "strategy/tpe/history.h"
#include "strategy/tpe/parzen.h"

namespace tune::tpe {

namespace {

// Rounds of fresh candidates before a finite space falls back to a random untaken config.
constexpr int kRounds = 16;

bool single_valued(const Param& p) {
  if (p.kind == ParamKind::Categorical) return p.choices.size() <= 1;
  return p.level_count() == 1 || !(p.low < p.high);
}

// A discrete level's cell on the unit scale: the values that round to it.
std::pair<double, double> cell_of(const Param& p, double u) {
  if (p.log && !p.pow2) {  // integers on a log scale: [v - 1/2, v + 1/2] in log space
    const double v = p.from_unit(u).get<double>(), lo = std::log(p.low);
    const double span = std::log(p.high) - lo;
    return {(std::log(v - 0.5) - lo) / span, (std::log(v + 0.5) - lo) / span};
  }
  const double half = p.pow2 ? 0.5 / (std::log2(p.high) - std::log2(p.low))
                             : p.step.value_or(1.0) / (2 * (p.high - p.low));
  return {u - half, u + half};
}

Dim dim_of(const Param& p) {
  Dim d;
  if (p.kind == ParamKind::Categorical) {
    d.kind = Dim::Kind::Categorical;
    d.choices = p.choices.size();
    return d;
  }
  if (p.kind == ParamKind::Float && !p.step) return d;  // continuous on [0, 1]
  d.kind = Dim::Kind::Discrete;
  const Param* param = &p;  // the space outlives the estimators (one ask)
  d.snap = [param](double u) { return coordinate(*param, param->from_unit(u)); };
  d.cell = [param](double u) { return cell_of(*param, u); };
  d.low = cell_of(p, 0).first;
  d.high = cell_of(p, 1).second;
  return d;
}

// The estimator of `group` over those of `trials` in which the whole group is active.
ParzenEstimator estimator(const Space& space, const History& h, const std::vector<size_t>& group,
                          const std::vector<size_t>& trials, double prior_weight) {
  std::vector<Dim> dims;
  for (size_t p : group) dims.push_back(dim_of(space.params()[p]));
  std::vector<double> points;
  size_t n = 0;
  for (size_t i : trials) {
    const double* row = h.row(i);
    if (std::any_of(group.begin(), group.end(), [&](size_t p) { return row[p] == kInactive; }))
      continue;
    for (size_t p : group) points.push_back(row[p]);
    ++n;
  }
  return ParzenEstimator(std::move(dims), points, default_weights(n), prior_weight);
}

struct GroupModel {
  std::vector<size_t> params;
  ParzenEstimator below, above;
};

// The draw from l with the largest log l - log g.
std::vector<double> best_candidate(const GroupModel& m, int candidates, std::mt19937_64& rng) {
  std::vector<double> best;
  double best_score = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < candidates; ++i) {
    std::vector<double> x = m.below.sample(rng);
    const double score = m.below.log_pdf(x) - m.above.log_pdf(x);
    if (best.empty() || score > best_score) {
      best = std::move(x);
      best_score = score;
    }
  }
  return best;
}

// The config of the chosen coordinates, active parameters only; `row` gets its coordinates as
// read_history would read them back.
Config compose(const Space& space, const std::vector<double>& coords, std::vector<double>& row) {
  Config out = Json::object();
  row.assign(space.params().size(), kInactive);
  for (size_t i = 0; i < space.params().size(); ++i) {
    const Param& p = space.params()[i];
    if (!space.is_active(p, out)) continue;
    Json v;
    if (p.kind == ParamKind::Categorical)
      v = p.choices[single_valued(p) ? 0 : static_cast<size_t>(coords[i])];
    else
      v = p.from_unit(single_valued(p) ? 0.0 : coords[i]);
    row[i] = coordinate(p, v);
    out[p.name] = std::move(v);
  }
  return out;
}

}  // namespace

TpeOptions TpeOptions::from_json(const Json& options, const std::string& where) {
  TpeOptions o;
  if (options.is_null()) return o;
  if (!options.is_object()) throw ConfigError(where, "expected an object of strategy options");
  check_strategy_options(options,
                         {"startup_trials", "candidates", "gamma", "gamma_cap", "prior_weight",
                          "multivariate", "seed"},
                         where);
  const Hyperparameters hp(options, where);
  o.startup_trials = static_cast<int>(hp.integer("startup_trials", o.startup_trials, 0, 1000000));
  o.candidates = static_cast<int>(hp.integer("candidates", o.candidates, 1, 100000));
  o.gamma = hp.real("gamma", o.gamma, 0, 1);
  if (o.gamma == 0) hp.fail("gamma", "must be in (0, 1], got 0");
  o.gamma_cap = static_cast<int>(hp.integer("gamma_cap", o.gamma_cap, 1, 1000000));
  o.prior_weight = hp.real("prior_weight", o.prior_weight, 0, 1e6);
  if (o.prior_weight == 0) hp.fail("prior_weight", "must be > 0, got 0");
  o.multivariate = hp.boolean("multivariate", o.multivariate);
  o.seed = seed_option(options, "seed", where);
  return o;
}

std::optional<size_t> TpeStrategy::capacity(const Space& space) const {
  return space.finite_size();
}

std::optional<Config> TpeStrategy::propose(const ProposalContext& ctx) {
  const Space& space = ctx.space;
  const uint64_t seed = options_.seed.value_or(ctx.seed);
  RandomStrategy random(RandomOptions{seed});
  const History h = read_history(space, ctx.history, ctx.direction);
  if (h.done < options_.startup_trials) return random.propose(ctx);

  std::vector<bool> fixed;
  for (const Param& p : space.params()) fixed.push_back(single_valued(p));
  std::vector<std::vector<size_t>> groups;
  if (options_.multivariate) {
    groups = parameter_groups(h, fixed);
  } else {
    for (size_t p = 0; p < fixed.size(); ++p)
      if (!fixed[p]) groups.push_back({p});
  }
  if (groups.empty()) return random.propose(ctx);  // nothing to choose but the fixed values

  const size_t n_below =
      std::min<size_t>(static_cast<size_t>(std::ceil(options_.gamma * h.done)), options_.gamma_cap);
  const auto [below, above] = split_trials(h, n_below);
  std::vector<GroupModel> models;
  for (const auto& g : groups)
    models.push_back({g, estimator(space, h, g, below, options_.prior_weight),
                      estimator(space, h, g, above, options_.prior_weight)});

  const bool finite = space.finite_size().has_value();
  std::set<std::vector<double>> taken;
  if (finite)
    for (size_t i = 0; i < h.trials.size(); ++i) taken.emplace(h.row(i), h.row(i) + h.params);
  std::mt19937_64 rng = trial_stream(seed, ctx.trial_number);
  std::vector<double> coords(space.params().size(), kInactive), row;
  for (int round = 0; round < kRounds; ++round) {
    for (const GroupModel& m : models) {
      const std::vector<double> x = best_candidate(m, options_.candidates, rng);
      for (size_t j = 0; j < m.params.size(); ++j) coords[m.params[j]] = x[j];
    }
    Config c = compose(space, coords, row);
    if (!finite || !taken.count(row)) return c;
  }
  // The model keeps choosing taken configs: a random untaken one (none: the space is spent).
  return random.propose(ctx);
}

std::unique_ptr<Strategy> make_tpe_strategy(const Json& options, const std::string& where) {
  return std::make_unique<TpeStrategy>(TpeOptions::from_json(options, where));
}

}  // namespace tune::tpe
