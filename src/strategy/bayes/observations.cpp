#include "strategy/bayes/observations.h"

#include <algorithm>
#include <cmath>

#include "space/space.h"

namespace tune::bayes {

namespace {

void append_row(Matrix& m, const std::vector<double>& row) {
  if (m.rows == 0) m.cols = row.size();
  m.data.insert(m.data.end(), row.begin(), row.end());
  ++m.rows;
}

// A pruned trial's last value is a partial one (an early epoch). Training improves with epochs,
// so it is a pessimistic guess of the final value, and it tells a trial that was barely behind
// its peers from one that diverged. It was stopped for being worse than its peers, so it never
// counts better than the median complete value (a metric that worsens late, such as an
// overfitting loss, could otherwise make a pruned region look good). A pruned trial without a
// finite value counts as the worst complete value. Before any trial completes there is nothing
// to compare with, and it is only kept from being proposed again (as a pending point).
void add_pruned(Observations& obs, const std::vector<std::vector<double>>& pruned,
                const std::vector<double>& partial) {
  if (obs.y.empty()) {
    for (const auto& e : pruned) append_row(obs.pending, e);
    return;
  }
  std::vector<double> sorted = obs.y;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[(sorted.size() - 1) / 2], worst = sorted.back();
  for (size_t i = 0; i < pruned.size(); ++i) {
    append_row(obs.x, pruned[i]);
    obs.y.push_back(std::isfinite(partial[i]) ? std::max(partial[i], median) : worst);
  }
}

}  // namespace

Observations collect_observations(const Space& space, const std::vector<TrialSnapshot>& history,
                                  Direction direction) {
  Observations obs;
  obs.x.cols = obs.pending.cols = space.encoded_dims();
  // Completion order (then number) keeps the data a growing prefix from one ask to the next.
  std::vector<const TrialSnapshot*> trials;
  for (const TrialSnapshot& t : history) trials.push_back(&t);
  std::stable_sort(trials.begin(), trials.end(),
                   [](const TrialSnapshot* a, const TrialSnapshot* b) {
                     const double ea = a->finished() ? a->end_time : 1e300,
                                  eb = b->finished() ? b->end_time : 1e300;
                     return ea != eb ? ea < eb : a->number < b->number;
                   });
  std::vector<std::vector<double>> pruned;
  std::vector<double> partial;  // pruned trials' last values, as minimisation targets
  for (const TrialSnapshot* t : trials) {
    std::vector<double> e;
    try {
      e = space.encode(space.normalize(t->params));
    } catch (const std::exception&) {
      continue;  // a config from another version of the space: not comparable
    }
    obs.seen.insert(e);
    const bool has_value = t->value && std::isfinite(*t->value);
    if (t->state == TrialState::Running) {
      append_row(obs.pending, e);
    } else if (t->state == TrialState::Complete && has_value) {
      append_row(obs.x, e);
      obs.y.push_back(direction == Direction::Minimize ? *t->value : -*t->value);
    } else if (t->state == TrialState::Pruned) {
      pruned.push_back(std::move(e));
      partial.push_back(!has_value                         ? std::nan("")
                        : direction == Direction::Minimize ? *t->value
                                                           : -*t->value);
    }
  }
  add_pruned(obs, pruned, partial);
  return obs;
}

}  // namespace tune::bayes
