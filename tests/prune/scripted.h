#pragma once
// Scripted learning curves for the pruner tests: trials with given curves and states, asked
// either all at once (prunes_of) or as they would arrive, one after another (simulate).
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "prune/curves.h"
#include "prune/pruner.h"

namespace tune::test {

struct ScriptedTrial {
  int number = 0;
  TrialState state = TrialState::Complete;
  std::vector<double> curve;  // curve[i] is the value at epoch i + 1
};

// (trial, epoch) pairs at which a pruner stops a trial.
using Prunes = std::set<std::pair<int, int>>;

// Short names for the states in tables of cases.
constexpr TrialState kComplete = TrialState::Complete;
constexpr TrialState kRunning = TrialState::Running;
constexpr TrialState kPruned = TrialState::Pruned;
constexpr TrialState kFailed = TrialState::Failed;

inline std::unique_ptr<Pruner> pruner(const std::string& name, Json options = Json::object()) {
  options["name"] = name;
  return make_pruner(name, options, "test.json: pruner");
}

inline LearningCurves curves_of(const std::vector<ScriptedTrial>& trials) {
  LearningCurves curves;
  for (const ScriptedTrial& t : trials) {
    curves.set_state(t.number, t.state);
    for (size_t i = 0; i < t.curve.size(); ++i)
      curves.record(t.number, static_cast<int>(i) + 1, t.curve[i]);
  }
  return curves;
}

// Asks `pruner` about every epoch of every running trial, with all curves recorded as scripted.
inline Prunes prunes_of(const Pruner& pruner, const std::vector<ScriptedTrial>& trials,
                        Direction direction, std::optional<int> max_epochs = std::nullopt) {
  const LearningCurves curves = curves_of(trials);
  Prunes out;
  for (const ScriptedTrial& t : trials) {
    if (t.state != TrialState::Running) continue;
    for (int epoch = 1; epoch <= static_cast<int>(t.curve.size()); ++epoch)
      if (pruner.prune({t.number, epoch, direction, curves, max_epochs}))
        out.insert({t.number, epoch});
  }
  return out;
}

// Runs trials 0, 1, 2... one after another: each reports its curve epoch by epoch (recorded,
// then the pruner asked) until it is pruned or its curve ends (complete).
inline Prunes simulate(const Pruner& pruner, const std::vector<std::vector<double>>& scripts,
                       Direction direction, std::optional<int> max_epochs) {
  LearningCurves curves;
  Prunes out;
  for (int trial = 0; trial < static_cast<int>(scripts.size()); ++trial) {
    curves.set_state(trial, TrialState::Running);
    TrialState end = TrialState::Complete;
    for (int epoch = 1; epoch <= static_cast<int>(scripts[trial].size()); ++epoch) {
      curves.record(trial, epoch, scripts[trial][epoch - 1]);
      if (pruner.prune({trial, epoch, direction, curves, max_epochs})) {
        out.insert({trial, epoch});
        end = TrialState::Pruned;
        break;
      }
    }
    curves.set_state(trial, end);
  }
  return out;
}

}  // namespace tune::test
