#pragma once
// Early stopping across trials. A pruner answers one question at each epoch a trial reports:
// given the learning curves of the study's trials, stop this trial now? Decisions depend only
// on the stored curves and states (and the trial's number), so workers and processes sharing a
// study agree, and a resumed study decides as before. A pruned trial is stored as `pruned`
// with its epochs so far and its last value; it uses the budget like a complete one.
//
// Configured with the experiment's "pruner" section or `--pruner NAME`:
//   "pruner": {"name": "median", "startup_trials": 5, "warmup_epochs": 0, "interval": 1}
// Adding a pruner is one file with its factory plus one line in registry.cpp.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"
#include "prune/curves.h"

namespace tune {

struct PruneContext {
  int trial = -1;  // the trial that reported
  int epoch = 0;   // the epoch it reported (1-based); its value is in curves already
  Direction direction = Direction::Maximize;
  const LearningCurves& curves;   // every trial's curve and state, this one's included
  std::optional<int> max_epochs;  // the trial's epoch budget (params.epochs) when known
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  // True: stop the trial now (it is recorded as pruned).
  virtual bool prune(const PruneContext& ctx) const = 0;
};

// `options` is the "pruner" object (its "name" is the pruner's name); `where` names it for
// errors ("configs/x.json: pruner"). Unknown keys and bad values throw ConfigError.
using PrunerFactory =
    std::function<std::unique_ptr<Pruner>(const Json& options, const std::string& where)>;

// Names of the registered pruners ("none" first), and a pruner by name: nullptr for "none",
// ConfigError for an unknown name.
std::vector<std::string> pruner_names();
std::unique_ptr<Pruner> make_pruner(const std::string& name, const Json& options,
                                    const std::string& where);

}  // namespace tune
