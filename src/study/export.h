#pragma once
// A study's trials as machine-readable data: JSON (everything, metrics included) and CSV (one
// row per trial, one column per parameter: the union over all trials).
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

// {number, state, params, value, metrics, summary, start, end, duration, device, worker, error}
Json trial_to_json(const TrialSnapshot& trial);
Json trials_to_json(const std::vector<TrialSnapshot>& trials);

// Header: number, state, value, duration, <params in order of first appearance>, device,
// error. A parameter a trial lacks (inactive) is an empty cell.
std::string trials_to_csv(const std::vector<TrialSnapshot>& trials);

}  // namespace tune
