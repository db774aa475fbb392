#include "prune/curves.h"

#include <cmath>

namespace tune {

void LearningCurves::record(int trial, int epoch, double value) {
  curves_[trial][epoch] = value;
  by_epoch_[epoch][trial] = value;
}

void LearningCurves::set_state(int trial, TrialState state) {
  states_[trial] = state;
}

TrialState LearningCurves::state(int trial) const {
  auto it = states_.find(trial);
  return it == states_.end() ? TrialState::Running : it->second;
}

const std::map<int, double>& LearningCurves::curve(int trial) const {
  static const std::map<int, double> kNoValues;  // immutable, so sharing it is safe
  auto it = curves_.find(trial);
  return it == curves_.end() ? kNoValues : it->second;
}

std::optional<double> LearningCurves::value(int trial, int epoch) const {
  const std::map<int, double>& values = curve(trial);
  auto it = values.find(epoch);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::optional<double> LearningCurves::best_until(int trial, int epoch, Direction direction) const {
  std::optional<double> best;
  for (const auto& [e, v] : curve(trial)) {
    if (e > epoch) break;
    // A NaN is never the best; it is returned only when the trial reported nothing else.
    if (!best || std::isnan(*best) || better(v, *best, direction)) best = v;
  }
  return best;
}

std::vector<std::pair<int, double>> LearningCurves::at(int epoch,
                                                       std::optional<TrialState> state) const {
  std::vector<std::pair<int, double>> out;
  auto it = by_epoch_.find(epoch);
  if (it == by_epoch_.end()) return out;
  for (const auto& [trial, v] : it->second)
    if (!state || this->state(trial) == *state) out.emplace_back(trial, v);
  return out;
}

int LearningCurves::count(TrialState state) const {
  int n = 0;
  for (const auto& entry : states_)
    if (entry.second == state) ++n;
  // Trials that reported values but never had a state set count as Running.
  if (state == TrialState::Running)
    for (const auto& entry : curves_)
      if (!states_.count(entry.first)) ++n;
  return n;
}

}  // namespace tune
