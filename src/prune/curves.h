#pragma once
// The learning curves of a study's trials as pruners see them: for each trial its state and the
// value of the objective metric at each epoch it reported. The Study keeps one up to date from
// storage (Storage::changes_since), so every worker and process decides from the same stored
// values. Plain data, no locking: the owner serialises access.
#include <map>
#include <optional>
#include <vector>

#include "common/trial.h"

namespace tune {

class LearningCurves {
 public:
  // Records trial `trial`'s value at `epoch` (1-based); a later record for the same epoch
  // replaces the earlier one.
  void record(int trial, int epoch, double value);
  // The trial's state; a trial never set counts as Running.
  void set_state(int trial, TrialState state);
  TrialState state(int trial) const;

  // The trial's values by epoch (empty when it reported none).
  const std::map<int, double>& curve(int trial) const;
  // The trial's value at `epoch`, if it reported one.
  std::optional<double> value(int trial, int epoch) const;
  // The best value of the trial over epochs <= `epoch`, in `direction`. NaN values never win:
  // the result is NaN only when every value reported up to `epoch` is NaN (a diverged trial),
  // and nullopt when there is none.
  std::optional<double> best_until(int trial, int epoch, Direction direction) const;
  // The values at `epoch` of the trials that reported one there, by trial number, optionally
  // only those in `state`.
  std::vector<std::pair<int, double>> at(int epoch,
                                         std::optional<TrialState> state = std::nullopt) const;
  // How many trials are in `state`.
  int count(TrialState state) const;

 private:
  std::map<int, std::map<int, double>> curves_;    // trial -> epoch -> value
  std::map<int, std::map<int, double>> by_epoch_;  // epoch -> trial -> value
  std::map<int, TrialState> states_;
};

}  // namespace tune
