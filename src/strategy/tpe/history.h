#pragma once
// The study's history as TPE reads it: each usable trial's parameters as numbers (unit
// coordinates from the space's encoding, choice indices for categoricals, kInactive where a
// parameter is inactive or absent), its state and its rank key; the split into the good
// ("below") and the rest ("above") trials; and the groups of parameters that are active together.
#include <cstddef>
#include <utility>
#include <vector>

#include "common/trial.h"

namespace tune {
class Space;
struct Param;
}  // namespace tune

namespace tune::tpe {

inline constexpr double kInactive = -1;  // unit coordinates and indices are >= 0

struct TrialRow {
  int number = 0;
  TrialState state = TrialState::Running;
  // Complete: (0, value); pruned: (-last step, last value), so that trials stopped later and
  // better rank first, as Optuna ranks them; minimisation (values negated when maximising).
  std::pair<double, double> rank{0, 0};
};

struct History {
  size_t params = 0;             // values per row: one per parameter of the space
  std::vector<TrialRow> trials;  // in history order
  std::vector<double> values;    // trials.size() x params
  int done = 0;                  // complete and pruned trials (the data)

  const double* row(size_t i) const { return values.data() + i * params; }
};

// The coordinate of a valid value of `param` (a choice index for categoricals), canonical for
// discrete parameters (the coordinate of the value's level), or kInactive for an invalid value.
double coordinate(const Param& param, const Json& value);

// Trials with their parameters read once. Failed trials are kept (their configs are taken) but
// are not data.
History read_history(const Space& space, const std::vector<TrialSnapshot>& history,
                     Direction direction);

// Indices into history.trials of the good trials (the n_below best complete ones, then the best
// pruned ones if too few completed) and of the others plus every running trial (pending points
// count against their region), each in trial-number order.
std::pair<std::vector<size_t>, std::vector<size_t>> split_trials(const History& history,
                                                                 size_t n_below);

// Parameters that were active in exactly the same complete and pruned trials form one group
// (Optuna's group decomposition); parameters never seen active form one group each. Groups come
// in order of their first parameter; `skip[i]` leaves parameter i out (a fixed one).
std::vector<std::vector<size_t>> parameter_groups(const History& history,
                                                  const std::vector<bool>& skip);

}  // namespace tune::tpe
