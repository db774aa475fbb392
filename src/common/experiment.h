#pragma once
// An experiment file (configs/*.json) parsed and checked at the top level. The objective is
// parsed here into its typed form (the run engine, trainer and command runner share it); the
// other sections are kept as JSON and each component validates its own, naming
// `where(section)` in its errors.
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/objective_spec.h"

namespace tune {

struct Experiment {
  std::string path;                 // the file it came from ("" when built in code)
  std::string name;                 // "name", else the file's stem
  Json data = Json::object();       // "data": dataset section
  Json params = Json::object();     // "params": fixed hyperparameters (trial defaults)
  Json callbacks = Json::object();  // "callbacks": early stopping and friends
  Json objective = Json::object();  // "objective": monitor/direction or command, as written
  ObjectiveSpec objective_spec;     // the same, parsed
  Json space = Json::object();      // "space": searched parameters
  Json strategy = Json::object();   // "strategy": {"name": ..., options}
  Json pruner = Json::object();     // "pruner": {"name": ..., options}; empty: none
  Json devices = Json::object();    // "devices": gpus, per_device, cpu_workers
  std::optional<int> trials;
  std::optional<double> timeout;      // seconds, wall clock for a study
  std::string on_timeout = "finish";  // "finish" or "stop": the trials running at the timeout
  uint64_t seed = 0;

  // "configs/x.json: params" — the prefix for errors about `section`.
  std::string where(const std::string& section) const;
  // `params` overlaid with `sampled`: the config one trial runs.
  Config trial_config(const Config& sampled) const;
  // The JSON the experiment was read from, normalised (for storing beside a study).
  Json to_json() const;
};

// Allowed values of "on_timeout".
const std::vector<std::string>& on_timeout_choices();

// Reads and checks `path`: valid JSON, an object, known top-level keys with the right types.
Experiment load_experiment(const std::string& path);
// Same from JSON already in memory; `source` names it in errors.
Experiment parse_experiment(const Json& root, const std::string& source);

// Applies `--set name=value`: value parsed as JSON when it is valid JSON (numbers, true,
// "quoted"), else taken as a string. Throws ConfigError on a malformed assignment.
void apply_set(Json& params, const std::string& assignment);

}  // namespace tune
