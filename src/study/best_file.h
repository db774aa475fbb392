#pragma once
// best.json beside a study's database: the best trial so far, in a form `tune train` and
// people can read (its number, value, direction, sampled params and the full config).
#include <string>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

Json best_trial_json(const TrialSnapshot& trial, Direction direction, const Config& base_params);

// Writes `value` to `path` through a temporary file and a rename, so that a reader (or a
// crash) never sees half a file; creates the parent directories. Safe from several threads.
// Throws std::runtime_error when the file cannot be written.
void write_json_file(const std::string& path, const Json& value);

}  // namespace tune
