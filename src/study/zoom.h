#pragma once
// `tune zoom`: a new experiment whose space is narrowed around a study's best trials.
// - The top trials are the best K complete trials (or the best quantile Q of them, at least
//   2), by the study's direction.
// - Numeric ranges become the span of the top trials' values, widened by `margin` times that
//   span (times the old range when the span is 0) on each side, on the parameter's scale (log
//   for log and pow2), clipped to the old bounds. Ints are rounded outward, steps keep their
//   step and stay on the old grid, pow2 bounds stay powers of two; a float's "values" keep
//   those inside the new range.
// - Categorical choices keep those the top trials took, in their order.
// - Conditional parameters are narrowed from the top trials where they are active; one active
//   in none of them is kept unchanged. A condition's values that its parent no longer takes
//   are dropped; a parameter whose condition can no longer hold at all is dropped with its own
//   children (it could never be sampled, and Space::from_json rejects a condition that never
//   holds).
// Everything else in the experiment is kept; its name gets the suffix "-zoom".
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

struct ZoomOptions {
  std::optional<int> top;  // the best K complete trials; unset: `quantile` of them
  double quantile = 0.2;   // in (0, 1]
  double margin = 0.1;     // >= 0
};

// One parameter's domain before and after, in words, for the summary.
struct ZoomChange {
  std::string name, before, after;
};

struct ZoomResult {
  Json experiment;  // the new experiment JSON
  int top_trials = 0;
  std::vector<ZoomChange> changes;  // one per parameter of the old space
};

// The best complete trials (finite values), best first: K of them, or `quantile` of them
// (rounded up, at least 2). ConfigError (naming `where`) when fewer than 2 are complete.
std::vector<TrialSnapshot> zoom_top_trials(const std::vector<TrialSnapshot>& trials,
                                           Direction direction, const ZoomOptions& options,
                                           const std::string& where);

// `experiment` (a study's stored experiment JSON) with its space narrowed around `top`.
// ConfigError naming `where` when the stored space does not parse.
ZoomResult zoom_experiment(const Json& experiment, const std::vector<TrialSnapshot>& top,
                           double margin, const std::string& where);

}  // namespace tune
