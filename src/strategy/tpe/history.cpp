#include "strategy/tpe/history.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "space/space.h"

namespace tune::tpe {

namespace {

// The last epoch a pruned trial reported: from its per-epoch rows when the snapshot has them,
// else from the summary the run loop writes (the study's own view carries no per-epoch rows).
double last_step(const TrialSnapshot& t) {
  if (t.metrics.is_array() && !t.metrics.empty()) {
    const Json& last = t.metrics.back();
    if (last.is_object() && last.contains("epoch") && last["epoch"].is_number())
      return last["epoch"].get<double>();
    return static_cast<double>(t.metrics.size());
  }
  const auto it = t.summary.find("pruned_at_epoch");
  return it != t.summary.end() && it->is_number() ? it->get<double>() : 0;
}

std::vector<size_t> parent_indices(const Space& space) {
  std::vector<size_t> parent(space.params().size(), SIZE_MAX);
  for (size_t i = 0; i < parent.size(); ++i) {
    const Param& p = space.params()[i];
    if (p.when) parent[i] = static_cast<size_t>(space.find(p.when->parent) - &space.params()[0]);
  }
  return parent;
}

}  // namespace

double coordinate(const Param& param, const Json& value) {
  if (!param.contains(value)) return kInactive;
  if (param.kind == ParamKind::Categorical)
    return static_cast<double>(std::find(param.choices.begin(), param.choices.end(), value) -
                               param.choices.begin());
  if (param.kind == ParamKind::Float && !param.step) return param.to_unit(value);
  // Discrete: the same coordinate for values that differ only by rounding (0.30000000000000004
  // and 0.3), without building the level's value.
  if (param.log && !param.pow2) return param.to_unit(Json(std::round(value.get<double>())));
  const double last = static_cast<double>(param.level_count() - 1);
  return last > 0 ? std::round(param.to_unit(value) * last) / last : 0;
}

History read_history(const Space& space, const std::vector<TrialSnapshot>& history,
                     Direction direction) {
  const auto& params = space.params();
  const std::vector<size_t> parent = parent_indices(space);
  History h;
  h.params = params.size();
  h.values.reserve(history.size() * params.size());
  const double sign = direction == Direction::Minimize ? 1 : -1;
  for (const TrialSnapshot& t : history) {
    if (t.number < 0 || !t.params.is_object()) continue;
    TrialRow row{t.number, t.state, {0, 0}};
    const bool has_value = t.value && !std::isnan(*t.value);
    if (t.state == TrialState::Complete) {
      if (!has_value) continue;
      row.rank = {0, sign * *t.value};
    } else if (t.state == TrialState::Pruned) {
      row.rank = has_value ? std::pair(-last_step(t), sign * *t.value) : std::pair(1.0, 0.0);
    }
    const size_t at = h.values.size();
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      const auto it = t.params.find(p.name);
      bool active = it != t.params.end();
      if (active && p.when)
        active = parent[i] < i && h.values[at + parent[i]] != kInactive &&
                 p.when->holds(t.params.at(p.when->parent));
      h.values.push_back(active ? coordinate(p, *it) : kInactive);
    }
    h.done += t.state == TrialState::Complete || t.state == TrialState::Pruned;
    h.trials.push_back(row);
  }
  return h;
}

std::pair<std::vector<size_t>, std::vector<size_t>> split_trials(const History& history,
                                                                 size_t n_below) {
  std::vector<size_t> complete, pruned;
  for (size_t i = 0; i < history.trials.size(); ++i) {
    const TrialState s = history.trials[i].state;
    if (s == TrialState::Complete) complete.push_back(i);
    if (s == TrialState::Pruned) pruned.push_back(i);
  }
  auto by_rank = [&](size_t a, size_t b) {
    const TrialRow &x = history.trials[a], &y = history.trials[b];
    return x.rank != y.rank ? x.rank < y.rank : x.number < y.number;
  };
  // Only the few good ones need ordering (n_below is small): a partial sort, linear in the rest.
  std::vector<bool> good(history.trials.size(), false);
  size_t left = n_below;
  for (std::vector<size_t>* part : {&complete, &pruned}) {
    const auto take = static_cast<long>(std::min(left, part->size()));
    std::partial_sort(part->begin(), part->begin() + take, part->end(), by_rank);
    for (auto it = part->begin(); it != part->begin() + take; ++it) good[*it] = true;
    left -= static_cast<size_t>(take);
  }
  std::vector<size_t> below, above;
  for (size_t i = 0; i < history.trials.size(); ++i) {
    const TrialState s = history.trials[i].state;
    if (good[i])
      below.push_back(i);
    else if (s == TrialState::Complete || s == TrialState::Pruned || s == TrialState::Running)
      above.push_back(i);
  }
  // The study hands its history in number order; sort only if some caller did not.
  auto by_number = [&](size_t a, size_t b) {
    return history.trials[a].number < history.trials[b].number;
  };
  for (std::vector<size_t>* part : {&below, &above})
    if (!std::is_sorted(part->begin(), part->end(), by_number))
      std::sort(part->begin(), part->end(), by_number);
  return {below, above};
}

std::vector<std::vector<size_t>> parameter_groups(const History& history,
                                                  const std::vector<bool>& skip) {
  std::map<std::vector<bool>, size_t> index;  // presence over the data -> group
  std::vector<std::vector<size_t>> groups;
  for (size_t p = 0; p < history.params; ++p) {
    if (skip[p]) continue;
    std::vector<bool> seen;
    bool ever = false;
    for (size_t i = 0; i < history.trials.size(); ++i) {
      const TrialState s = history.trials[i].state;
      if (s != TrialState::Complete && s != TrialState::Pruned) continue;
      seen.push_back(history.row(i)[p] != kInactive);
      ever = ever || seen.back();
    }
    if (!ever) {  // never seen active: a group of its own
      groups.push_back({p});
      continue;
    }
    const auto [it, added] = index.emplace(seen, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(p);
  }
  return groups;
}

}  // namespace tune::tpe
