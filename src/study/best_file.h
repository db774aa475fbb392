#pragma once
// best.json beside a study's database: the best trial so far, in a form `tune train` and
// people can read (its number, value, direction, sampled params and the full config).
#include <functional>
#include <string>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

Json best_trial_json(const TrialSnapshot& trial, Direction direction, const Config& base_params);

// Writes `value` to `path` through a temporary file and a rename, so that a reader (or a
// crash) never sees half a file; creates the parent directories. Safe from several threads.
// Throws std::runtime_error when the file cannot be written.
void write_json_file(const std::string& path, const Json& value);

// The same for any file: `write(temporary)` writes the whole file at `temporary` (throwing when
// it cannot), which then replaces `path` in one rename. A throw leaves `path` as it was and
// no temporary behind.
void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string& temporary)>& write);

}  // namespace tune
