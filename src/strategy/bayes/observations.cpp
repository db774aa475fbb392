#include "strategy/bayes/observations.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "prune/curves.h"
#include "space/space.h"

namespace tune::bayes {

namespace {

void append_row(Matrix& m, const std::vector<double>& row) {
  if (m.rows == 0) m.cols = row.size();
  m.data.insert(m.data.end(), row.begin(), row.end());
  ++m.rows;
}

// A pruned trial's last value is a partial one (an early epoch), so it is first moved to the
// scale of final values: by the median change, from that epoch to the end, of the complete
// trials that reported that epoch (the learning they did after it). Training improves with
// epochs, so even unmoved it is a pessimistic guess, and it tells a trial that was barely behind
// its peers from one that diverged. It was stopped for being worse than its peers, so it never
// counts better than the median complete value (a metric that worsens late, such as an
// overfitting loss, could otherwise make a pruned region look good). A pruned trial without a
// finite value counts as the worst complete value. Before any trial completes there is nothing
// to compare with, and it is only kept from being proposed again (as a pending point).
struct Pruned {
  std::vector<double> point;
  int number;
  double partial;  // last value as a minimisation target; NaN when it has none
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// The median change of complete trials' targets from `epoch` to their final value; 0 when no
// complete trial reported that epoch.
double later_change(const LearningCurves& curves, int epoch, const std::vector<int>& complete,
                    const std::vector<double>& finals, double sign) {
  std::vector<double> change;
  for (size_t j = 0; j < complete.size(); ++j)
    if (const std::optional<double> at = curves.value(complete[j], epoch); at && std::isfinite(*at))
      change.push_back(finals[j] - sign * *at);
  return change.empty() ? 0 : median_of(std::move(change));
}

void add_pruned(Observations& obs, const std::vector<Pruned>& pruned,
                const std::vector<int>& complete, const LearningCurves* curves, double sign) {
  if (obs.y.empty()) {
    for (const Pruned& p : pruned) append_row(obs.pending, p.point);
    return;
  }
  const std::vector<double> finals = obs.y;  // of `complete`, in the same order
  const double median = median_of(finals);
  const double worst = *std::max_element(finals.begin(), finals.end());
  std::map<int, double> change_after;  // by epoch: most pruned trials stop at the same few
  for (const Pruned& p : pruned) {
    append_row(obs.x, p.point);
    if (!std::isfinite(p.partial)) {
      obs.y.push_back(worst);
      continue;
    }
    double guess = p.partial;
    if (curves && !curves->curve(p.number).empty()) {
      const int epoch = curves->curve(p.number).rbegin()->first;
      auto it = change_after.find(epoch);
      if (it == change_after.end())
        it =
            change_after.emplace(epoch, later_change(*curves, epoch, complete, finals, sign)).first;
      guess += it->second;
    }
    obs.y.push_back(std::max(guess, median));
  }
}

}  // namespace

Observations collect_observations(const Space& space, const std::vector<TrialSnapshot>& history,
                                  Direction direction, const LearningCurves* curves) {
  const double sign = direction == Direction::Minimize ? 1 : -1;
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
  std::vector<Pruned> pruned;
  std::vector<int> complete;  // numbers of the trials in obs.y, in order
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
      obs.y.push_back(sign * *t->value);
      complete.push_back(t->number);
    } else if (t->state == TrialState::Pruned) {
      pruned.push_back({std::move(e), t->number, has_value ? sign * *t->value : std::nan("")});
    }
  }
  add_pruned(obs, pruned, complete, curves, sign);
  return obs;
}

}  // namespace tune::bayes
