#pragma once
// The experiment's "objective" section, parsed once into a typed value that the run engine,
// the trainer and the command runner all read. Two kinds:
//   training:  {"monitor": "val_accuracy", "direction": "maximize", "value": "best",
//               "retry_oom": false, "keep_best_weights": false}
//   a command: {"command": ["prog", "{lr}"], "direction": "minimize", "timeout": 600}
// Direction defaults, in this one place: a command minimises; training follows the monitored
// metric's natural direction (natural_direction: losses and errors minimise, the rest
// maximise). Unknown keys and bad values throw ConfigError naming the field.
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

// Which epoch's monitored value a training trial is scored by: its best epoch's (as Keras
// Tuner scores trials) or its last epoch's (as Optuna's examples return the final accuracy).
enum class TrialValue { Best, Last };

struct ObjectiveSpec {
  std::vector<std::string> command;      // empty: train a model
  std::string monitor = "val_accuracy";  // the metric a trial is judged by ("value": command)
  Direction direction = Direction::Maximize;
  TrialValue value = TrialValue::Best;  // training only
  std::optional<double> timeout;        // command: seconds per run
  bool retry_oom = false;               // training: retry out-of-memory trials with half the batch
  // training: keep the best trial's weights beside best.json (study_best_weights_path)
  bool keep_best_weights = false;

  bool is_command() const { return !command.empty(); }
  // `section` is the "objective" object (null or empty: training on val_accuracy).
  static ObjectiveSpec parse(const Json& section, const std::string& where);
};

// Metrics a training objective or a callback may monitor.
const std::vector<std::string>& metric_names();
// Minimize for names ending in "loss" or "error", Maximize otherwise.
Direction natural_direction(const std::string& metric);

}  // namespace tune
