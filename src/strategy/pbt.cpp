#include "strategy/pbt.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/error.h"
#include "common/experiment.h"
#include "common/hparams.h"
#include "common/pbt_segment.h"
#include "space/rng.h"
#include "space/space.h"
#include "strategy/bayes/gp.h"
#include "strategy/bayes/gp_fit.h"
#include "strategy/options.h"

namespace tune {
namespace {

// One member as the history tells it.
struct Member {
  int id = 0;
  std::vector<const TrialSnapshot*> stretches;  // in trial order
  std::vector<PbtSegment> segments;             // the same, parsed

  const TrialSnapshot& latest() const { return *stretches.back(); }
  const PbtSegment& latest_segment() const { return segments.back(); }
  bool busy() const { return latest().state == TrialState::Running; }
  // The newest stretch failed for its own reasons (not stopped from outside): the member's
  // line is broken and it must be replaced.
  bool broken() const {
    return latest().state == TrialState::Pruned ||
           (latest().state == TrialState::Failed && !stopped_from_outside(latest()));
  }
  bool retry() const {
    return latest().state == TrialState::Failed && stopped_from_outside(latest());
  }
  // Its newest complete stretch, where it goes on from; null when it has none or is broken.
  std::optional<size_t> standing() const {
    if (broken()) return std::nullopt;
    for (size_t i = stretches.size(); i-- > 0;)
      if (stretches[i]->state == TrialState::Complete && stretches[i]->value) return i;
    return std::nullopt;
  }
  // Epochs trained on its current line (0 for a broken member or one without a complete one).
  int epochs_reached() const {
    auto s = standing();
    return s ? segments[*s].to_epoch : 0;
  }
};

// The stretch a trial ran, nullopt for a trial that is none (or whose "pbt" is not ours).
std::optional<PbtSegment> segment_of(const TrialSnapshot& t) {
  try {
    return PbtSegment::from_config(t.params, "trial " + std::to_string(t.number));
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

std::map<int, Member> members_of(const std::vector<TrialSnapshot>& history) {
  std::map<int, Member> members;
  for (const TrialSnapshot& t : history) {
    const std::optional<PbtSegment> segment = segment_of(t);
    if (!segment) continue;
    Member& m = members[segment->member];
    m.id = segment->member;
    m.stretches.push_back(&t);
    m.segments.push_back(*segment);
  }
  return members;
}

// A member's place in the ranking: its newest complete stretch.
struct Standing {
  const Member* member;
  const TrialSnapshot* trial;
  int epoch;
};

// The next value of a discrete parameter (ints, steps, powers of two: `levels` values in
// increasing order) up or down from `value`, clipped at the ends.
Json next_level(const Param& p, double value, bool up) {
  const size_t n = p.level_count();
  size_t lo = 0, hi = n - 1;  // the level nearest to `value`, by bisection
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (p.level(mid).get<double>() < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t i = lo;
  if (i > 0 &&
      std::abs(p.level(i - 1).get<double>() - value) < std::abs(p.level(i).get<double>() - value))
    --i;
  if (up && i + 1 < n) ++i;
  if (!up && i > 0) --i;
  return p.level(i);
}

// PB2's bandit: the numeric parameters of `names` (active or not) on the unit cube, after the
// stretch's time in [0, 1].
struct Pb2Inputs {
  std::vector<const Param*> params;
  int epochs = 1;
  std::vector<double> point(const Config& config, int to_epoch) const {
    std::vector<double> x = {std::min(1.0, static_cast<double>(to_epoch) / epochs)};
    for (const Param* p : params)
      x.push_back(config.contains(p->name) ? p->to_unit(config.at(p->name)) : 0.5);
    return x;
  }
};

bayes::Matrix matrix_of(const std::vector<std::vector<double>>& rows, size_t cols) {
  bayes::Matrix m(rows.size(), cols);
  for (size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), m.row(i));
  return m;
}

// The numeric knobs PB2 picks for a copy of `donor` going on to `to_epoch`, or nullopt while
// fewer than 4 stretches have a parent to compare with (see pbt.h).
std::optional<Config> pb2_explore(const ProposalContext& ctx, const std::vector<std::string>& names,
                                  int epochs, const Config& donor, int to_epoch,
                                  std::mt19937_64& rng) {
  Pb2Inputs in;
  in.epochs = epochs;
  for (const std::string& name : names)
    if (const Param* p = ctx.space.find(name); p && p->kind != ParamKind::Categorical)
      in.params.push_back(p);
  if (in.params.empty()) return std::nullopt;
  std::map<int, const TrialSnapshot*> by_number;
  for (const TrialSnapshot& t : ctx.history) by_number[t.number] = &t;
  const double sign = ctx.direction == Direction::Maximize ? 1.0 : -1.0;
  std::vector<std::vector<double>> xs, pending;
  std::vector<double> ys;
  for (const TrialSnapshot& t : ctx.history) {
    const std::optional<PbtSegment> s = segment_of(t);
    if (!s) continue;
    const Config config = without_pbt(t.params);
    if (t.state == TrialState::Running) {
      pending.push_back(in.point(config, s->to_epoch));
      continue;
    }
    if (t.state != TrialState::Complete || !t.value || !s->parent) continue;
    auto parent = by_number.find(*s->parent);
    if (parent == by_number.end() || parent->second->state != TrialState::Complete ||
        !parent->second->value)
      continue;
    xs.push_back(in.point(config, s->to_epoch));
    ys.push_back(sign * (*t.value - *parent->second->value));
  }
  if (xs.size() < 4) return std::nullopt;
  const size_t d = xs[0].size();
  const bayes::Matrix x = matrix_of(xs, d);
  bayes::GpFitOptions fit;
  fit.seed = static_cast<uint64_t>(ctx.trial_number);
  bayes::GaussianProcess gp(x, ys, bayes::fit_hyper(x, ys, fit));
  if (!pending.empty()) gp = gp.with_fantasies(matrix_of(pending, d));
  constexpr int kCandidates = 1000;
  constexpr double kUcbSds = 2.0;
  std::vector<std::vector<double>> rows = {in.point(donor, to_epoch)};
  for (int i = 0; i < kCandidates; ++i) {
    std::vector<double> row = rows[0];
    for (size_t j = 1; j < d; ++j) row[j] = unit_double(rng);
    rows.push_back(std::move(row));
  }
  const std::vector<bayes::Posterior> post = gp.predict_many(matrix_of(rows, d));
  auto ucb = [&](size_t i) {
    return post[i].mean + kUcbSds * std::sqrt(std::max(post[i].var, 0.0));
  };
  size_t best = 0;
  for (size_t i = 1; i < post.size(); ++i)
    if (ucb(i) > ucb(best)) best = i;
  Config out = donor;
  for (size_t j = 0; j < in.params.size(); ++j)
    if (out.contains(in.params[j]->name))
      out[in.params[j]->name] = in.params[j]->from_unit(rows[best][j + 1]);
  return out;
}

}  // namespace

PbtOptions PbtOptions::from_json(const Json& options, const std::string& where) {
  check_strategy_options(options,
                         {"population", "interval", "quantile", "resample_probability", "factors",
                          "mutate", "explore", "seed"},
                         where);
  PbtOptions o;
  auto integer = [&](const char* key, int& out, int low, int high) {
    if (!options.contains(key)) return;
    const Json& v = options.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < low || v.get<int64_t>() > high)
      throw ConfigError(where + "." + key, "expected an integer in [" + std::to_string(low) + ", " +
                                               std::to_string(high) + "], got " + v.dump());
    out = v.get<int>();
  };
  auto real = [&](const char* key, double& out, double low, double high, bool open_low) {
    if (!options.contains(key)) return;
    const Json& v = options.at(key);
    const double x = v.is_number() ? v.get<double>() : NAN;
    if (!v.is_number() || !(open_low ? x > low : x >= low) || !(x <= high))
      throw ConfigError(where + "." + key, std::string("expected a number in ") +
                                               (open_low ? "(" : "[") + describe(low) + ", " +
                                               describe(high) + "], got " + v.dump());
    out = x;
  };
  integer("population", o.population, 2, 100000);
  integer("interval", o.interval, 1, 100000);
  real("quantile", o.quantile, 0.0, 0.5, true);
  real("resample_probability", o.resample_probability, 0.0, 1.0, false);
  if (options.contains("factors")) {
    const Json& f = options.at("factors");
    o.factors.clear();
    if (f.is_array())
      for (const Json& x : f)
        if (x.is_number() && x.get<double>() > 0 && x.get<double>() != 1.0)
          o.factors.push_back(x.get<double>());
    if (!f.is_array() || f.empty() || o.factors.size() != f.size())
      throw ConfigError(where + ".factors",
                        "expected a non-empty list of positive numbers other than 1 (a number "
                        "below 1 moves a value down, above 1 up), got " +
                            f.dump());
  }
  if (options.contains("mutate")) {
    const Json& m = options.at("mutate");
    if (m.is_array())
      for (const Json& x : m)
        if (x.is_string()) o.mutate.push_back(x.get<std::string>());
    if (!m.is_array() || m.empty() || o.mutate.size() != m.size())
      throw ConfigError(where + ".mutate",
                        "expected a non-empty list of parameter names, got " + m.dump());
  }
  if (options.contains("explore")) {
    const Json& e = options.at("explore");
    if (e != "perturb" && e != "pb2")
      throw ConfigError(where + ".explore",
                        "unknown value " + e.dump() + "; allowed: \"perturb\", \"pb2\"");
    o.pb2 = e == "pb2";
  }
  o.seed = seed_option(options, "seed", where);
  return o;
}

std::unique_ptr<Strategy> PbtStrategy::create(const Json& options, const std::string& where) {
  return std::make_unique<PbtStrategy>(PbtOptions::from_json(options, where));
}

bool pbt_can_mutate(const std::string& name) {
  static const std::vector<std::string> knobs = {
      "lr",    "weight_decay", "momentum",   "beta1",   "beta2",
      "alpha", "eps",          "batch_size", "dropout", "activation"};
  if (std::find(knobs.begin(), knobs.end(), name) != knobs.end()) return true;
  for (const char* prefix : {"dropout_", "activation_"}) {
    const std::string p = prefix;
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0 &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(p.size()), name.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
      return true;
  }
  return false;
}

void PbtStrategy::prepare(const Space& space, const Experiment& e) {
  const std::string where = e.where("strategy");
  if (e.objective_spec.is_command())
    throw ConfigError(e.where("objective"),
                      "runs a command; the strategy pbt copies weights between trials, which "
                      "needs tune's own training (allowed: no objective.command with pbt)");
  if (!e.pruner.empty())
    throw ConfigError(e.where("pruner"),
                      "the strategy pbt decides itself which members give way to better ones; "
                      "allowed: no pruner with pbt");
  if (space.find("epochs"))
    throw ConfigError(e.where("space") + ".epochs",
                      "pbt trains every member for params.epochs; allowed: epochs as a fixed "
                      "param, not searched");
  const Json epochs = e.params.value("epochs", Json());
  if (!epochs.is_number_integer() || epochs.get<int64_t>() < 2)
    throw ConfigError(e.where("params") + ".epochs",
                      "the strategy pbt needs the epochs every member trains, an integer >= 2, "
                      "got " +
                          (epochs.is_null() ? std::string("none") : epochs.dump()));
  epochs_ = epochs.get<int>();
  if (options_.interval >= epochs_)
    throw ConfigError(where + ".interval", "must be below params.epochs (" +
                                               std::to_string(epochs_) +
                                               ") for members to exploit each other, got " +
                                               std::to_string(options_.interval));
  std::vector<std::string> mutable_names;
  for (const Param& p : space.params())
    if (pbt_can_mutate(p.name)) mutable_names.push_back(p.name);
  if (options_.mutate.empty()) {
    if (mutable_names.empty())
      throw ConfigError(e.where("space"),
                        "has no parameter that pbt can change while a model trains; allowed: "
                        "lr, weight_decay, momentum, beta1, beta2, alpha, eps, batch_size, "
                        "dropout, activation, dropout_<i>, activation_<i>");
    options_.mutate = mutable_names;
  }
  for (const std::string& name : options_.mutate) {
    if (!space.find(name))
      throw ConfigError(where + ".mutate", "\"" + name +
                                               "\" is not a parameter of the space; "
                                               "allowed: " +
                                               join(mutable_names));
    if (!pbt_can_mutate(name))
      throw ConfigError(where + ".mutate",
                        "\"" + name +
                            "\" cannot change while a model trains (it changes the "
                            "weights' shapes or the optimizer); allowed: " +
                            join(mutable_names));
    for (const Param& p : space.params())
      if (p.when && p.when->parent == name)
        throw ConfigError(where + ".mutate",
                          "\"" + name + "\" decides whether \"" + p.name +
                              "\" is active; pbt mutates only parameters nothing depends on");
  }
}

std::optional<size_t> PbtStrategy::capacity(const Space&) const {
  if (epochs_ <= 0) return std::nullopt;
  const size_t stretches =
      static_cast<size_t>((epochs_ + options_.interval - 1) / options_.interval);
  return static_cast<size_t>(options_.population) * stretches;
}

std::optional<Config> PbtStrategy::propose(const ProposalContext& ctx) {
  if (epochs_ <= 0) throw std::logic_error("PbtStrategy::propose before prepare");
  std::mt19937_64 rng = trial_stream(options_.seed.value_or(ctx.seed), ctx.trial_number);
  const std::map<int, Member> members = members_of(ctx.history);
  auto stretch = [&](int member, int from) {
    PbtSegment s;
    s.member = member;
    s.from_epoch = from;
    s.to_epoch = std::min(from + options_.interval, epochs_);
    return s;
  };
  auto with_segment = [](Config config, const PbtSegment& s) {
    config[kPbtKey] = s.to_json();
    return config;
  };

  // A new member while the population is not full: the lowest free number.
  if (static_cast<int>(members.size()) < options_.population) {
    int id = 0;
    while (members.count(id)) ++id;
    return with_segment(ctx.space.sample(rng), stretch(id, 0));
  }

  // The idle member with the fewest epochs goes next.
  const Member* next = nullptr;
  for (const auto& [id, m] : members) {
    if (m.busy()) continue;
    if (m.latest().state == TrialState::Complete && m.latest_segment().to_epoch >= epochs_)
      continue;  // done
    if (!next || m.epochs_reached() < next->epochs_reached()) next = &m;
  }
  if (!next) return std::nullopt;                   // all running or done
  if (next->retry()) return next->latest().params;  // stopped from outside: the same stretch

  // The population's ranking by each member's newest complete stretch.
  std::vector<Standing> ranking;
  for (const auto& [id, m] : members)
    if (auto s = m.standing()) ranking.push_back({&m, m.stretches[*s], m.segments[*s].to_epoch});
  std::stable_sort(ranking.begin(), ranking.end(), [&](const Standing& a, const Standing& b) {
    return better(*a.trial->value, *b.trial->value, ctx.direction);
  });
  const size_t k =
      ranking.size() < 2
          ? 0
          : std::max<size_t>(1,
                             static_cast<size_t>(std::floor(options_.quantile * ranking.size())));
  auto own = std::find_if(ranking.begin(), ranking.end(),
                          [&](const Standing& s) { return s.member == next; });
  std::vector<const Standing*> donors;
  for (size_t i = 0; i < k; ++i)
    if (ranking[i].member != next && ranking[i].epoch < epochs_ &&
        (own == ranking.end() ||
         better(*ranking[i].trial->value, *own->trial->value, ctx.direction)))
      donors.push_back(&ranking[i]);
  const bool bottom = own == ranking.end() ||
                      own - ranking.begin() >= static_cast<std::ptrdiff_t>(ranking.size() - k);

  if (bottom && !donors.empty()) {  // exploit, then explore
    const Standing& donor = *donors[uniform_index(rng, donors.size())];
    PbtSegment s = stretch(next->id, donor.epoch);
    s.parent = donor.trial->number;
    s.exploited = donor.member->id;
    Config config = without_pbt(donor.trial->params);
    if (options_.pb2)
      if (std::optional<Config> chosen =
              pb2_explore(ctx, options_.mutate, epochs_, config, s.to_epoch, rng))
        return with_segment(std::move(*chosen), s);
    for (const std::string& name : options_.mutate) {
      const Param* p = ctx.space.find(name);
      if (!p || !config.contains(name)) continue;  // inactive in this config
      if (unit_double(rng) < options_.resample_probability) {
        config[name] = p->sample(rng);
        continue;
      }
      const double factor = options_.factors[uniform_index(rng, options_.factors.size())];
      if (p->kind == ParamKind::Categorical) {
        const auto at = std::find(p->choices.begin(), p->choices.end(), config[name]);
        size_t i = at == p->choices.end() ? 0 : static_cast<size_t>(at - p->choices.begin());
        if (factor > 1 && i + 1 < p->choices.size()) ++i;
        if (factor < 1 && i > 0) --i;
        config[name] = p->choices[i];
      } else if (p->level_count() > 0) {
        config[name] = next_level(*p, config[name].get<double>(), factor > 1);
      } else {
        config[name] = std::clamp(config[name].get<double>() * factor, p->low, p->high);
      }
    }
    return with_segment(std::move(config), s);
  }
  if (own == ranking.end())  // broken, or never completed a stretch, and nobody to copy
    return with_segment(ctx.space.sample(rng), stretch(next->id, 0));
  PbtSegment s = stretch(next->id, own->epoch);
  s.parent = own->trial->number;
  return with_segment(without_pbt(own->trial->params), s);
}

std::set<int> pbt_live_checkpoints(const std::vector<TrialSnapshot>& trials) {
  std::set<int> live;
  for (const auto& [id, m] : members_of(trials)) {
    for (size_t i = m.stretches.size(); i-- > 0;)
      if (m.stretches[i]->state == TrialState::Complete) {
        live.insert(m.stretches[i]->number);
        break;
      }
    for (size_t i = 0; i < m.stretches.size(); ++i)
      if (m.stretches[i]->state == TrialState::Running && m.segments[i].parent)
        live.insert(*m.segments[i].parent);
    if (m.retry() && m.latest_segment().parent)  // it runs again from the same checkpoint
      live.insert(*m.latest_segment().parent);
  }
  return live;
}

Json pbt_schedule(const std::vector<TrialSnapshot>& trials, int number) {
  std::map<int, const TrialSnapshot*> by_number;
  for (const TrialSnapshot& t : trials) by_number[t.number] = &t;
  Json schedule = Json::array();
  std::set<int> seen;  // a damaged study could make a loop
  for (int next = number; seen.insert(next).second;) {
    auto it = by_number.find(next);
    if (it == by_number.end()) break;
    const std::optional<PbtSegment> s = segment_of(*it->second);
    if (!s) break;
    schedule.insert(schedule.begin(), Json{{"epochs", {s->from_epoch + 1, s->to_epoch}},
                                           {"member", s->member},
                                           {"trial", next},
                                           {"params", without_pbt(it->second->params)}});
    if (!s->parent) break;
    next = *s->parent;
  }
  return schedule;
}

}  // namespace tune
