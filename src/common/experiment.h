#pragma once
// An experiment file (configs/*.json) parsed and checked at the top level. The objective is
// parsed here into its typed form (the run engine, trainer and command runner share it); the
// other sections are kept as JSON and each component validates its own, naming
// `where(section)` in its errors.
#include <map>
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
  // "storage": where the trials live (store/storage_url.h); "" for the study directory's
  // study.db. --storage overrides it. Never in to_json(), so no password is stored with a study.
  std::string storage;
  // Fields set by a command-line flag, as "section.field" -> flag ("params.lr" -> "--set lr",
  // "data.dir" -> "--data"): errors about them name the flag, not the file.
  std::map<std::string, std::string> flag_origins;

  // "configs/x.json: params" — the prefix for errors about `section`.
  std::string where(const std::string& section) const;
  // Where an error about `section`.`field` points: the flag that set it, else
  // "configs/x.json: section.field".
  std::string where(const std::string& section, const std::string& field) const;
  // The flag-set fields of `section`: field -> flag.
  std::map<std::string, std::string> origins(const std::string& section) const;
  // `params` overlaid with `sampled`: the config one trial runs.
  Config trial_config(const Config& sampled) const;
  // The JSON the experiment was read from, normalised (for storing beside a study).
  Json to_json() const;
};

// The largest trial budget ("trials", --trials).
inline constexpr int kMaxTrials = 10000000;
// The longest study timeout ("timeout", --timeout): ten years, in seconds. Anything longer
// is a typo, and a clock deadline that far out cannot overflow.
inline constexpr double kMaxTimeoutSeconds = 10 * 365.25 * 86400;
// What is wrong with `seconds` as a study timeout, or "" when it is in (0, ten years].
std::string timeout_problem(double seconds);

// Allowed values of "on_timeout".
const std::vector<std::string>& on_timeout_choices();

// Reads and checks `path`: valid JSON, an object, known top-level keys with the right types.
Experiment load_experiment(const std::string& path);
// Same from JSON already in memory; `source` names it in errors.
Experiment parse_experiment(const Json& root, const std::string& source);

// Applies `--set name=value` to e.params: value parsed as JSON when it is valid JSON (numbers,
// true, "quoted"), else taken as a string; the field's origin becomes "--set name". Returns
// the name. Throws ConfigError on a malformed assignment.
std::string apply_set(Experiment& e, const std::string& assignment);

}  // namespace tune
