#pragma once
// Successive halving as early stopping: ASHA (one bracket) and Hyperband (several brackets, each
// trial in one). The arithmetic is exposed so tests can check it.
//
// ASHA (asynchronous successive halving, stopping variant), with r = min_epochs and
// eta = reduction_factor: the rungs are the epochs r * eta^k (k = 0, 1, ...) strictly below
// max_epochs (no upper bound when it is unknown); a rung at the budget would stop nothing. Only
// at a rung does it decide. The competitors are the trials, in any state but failed, that
// reported a value at that rung epoch, this one included: n of them. The trial goes on when
// fewer than k = max(1, floor(n / eta)) competitors are strictly better than its value at the
// rung; so with k = 0 it goes on only if it is the best so far there, and the first trial at a
// rung always goes on. Ties favour the trial (a tie at the k-th place lets both go on). A NaN
// value is worse than any number: that trial is pruned and never beats another.
//
// Hyperband (Li et al., 2018), with R = max_epochs, r and eta as above:
// s_max = floor(log_eta(R / r)), the largest s with r * eta^s <= R (0 when R < r). Bracket
// b = 0..s_max runs ASHA with min epochs r * eta^b: bracket 0 is the most aggressive, bracket
// s_max (when r * eta^s_max = R) never prunes. Li et al.'s bracket s = s_max - b starts
// n_s = ceil((s_max + 1) / (s + 1) * eta^s) configurations; trial t joins bracket b with
// probability n_b / sum(n), b picked by splitmix64(t) mod sum(n) over the cumulative weights,
// so the same trial number always lands in the same bracket. Competitors at a rung are only the
// trials of the same bracket. R comes from the option max_epochs, else the trial's epoch budget;
// with neither, Hyperband does not prune. When trials search their epoch budget, set max_epochs
// so every trial sees the same brackets.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prune/pruner.h"

namespace tune {

// The options ASHA and Hyperband share.
struct SuccessiveHalvingOptions {
  int min_epochs = 1;             // r: the first rung (ASHA) or bracket 0's first rung
  int reduction_factor = 3;       // eta >= 2: the top 1/eta of each rung go on
  std::optional<int> max_epochs;  // R, overriding the trial's epoch budget

  // The "pruner" object; ConfigError naming where.field and the allowed values for an unknown
  // key or a bad value.
  static SuccessiveHalvingOptions from_json(const Json& options, const std::string& where);
  // R for this report: the max_epochs option, else the trial's epoch budget, else unknown.
  std::optional<int> budget(const PruneContext& ctx) const {
    return max_epochs ? max_epochs : ctx.max_epochs;
  }
};

// The rung epochs r * eta^k strictly below max_epochs, ascending.
std::vector<int> asha_rungs(int min_epochs, int eta, int max_epochs);
// Whether `epoch` is a rung; no upper bound when max_epochs is unknown.
bool is_asha_rung(int epoch, int min_epochs, int eta, std::optional<int> max_epochs);
// Whether a trial with `value` at a rung goes on among `competitors` (the values at the rung of
// every competing trial, its own included): the ASHA rule above.
bool survives_rung(double value, const std::vector<double>& competitors, int eta,
                   Direction direction);
// The ASHA decision for ctx.trial at ctx.epoch, its competitors being the trials for which
// `competes` holds (besides itself).
bool successive_halving_prunes(const PruneContext& ctx, int min_epochs, int eta,
                               std::optional<int> max_epochs,
                               const std::function<bool(int trial)>& competes);

struct HyperbandBracket {
  int min_epochs = 1;    // r * eta^b: the bracket's first rung
  long long weight = 1;  // n_b, Li et al.'s number of configurations of the bracket
};

// s_max = floor(log_eta(R / r)), 0 when R < r.
int hyperband_s_max(int min_epochs, int eta, int max_epochs);
// Brackets 0..s_max, most aggressive first.
std::vector<HyperbandBracket> hyperband_brackets(int min_epochs, int eta, int max_epochs);
// The bracket index of trial number `trial` among non-empty `brackets`: deterministic, each
// bracket with probability weight / sum of weights.
int hyperband_bracket_of(int trial, const std::vector<HyperbandBracket>& brackets);

std::unique_ptr<Pruner> make_asha_pruner(const Json& options, const std::string& where);
std::unique_ptr<Pruner> make_hyperband_pruner(const Json& options, const std::string& where);

}  // namespace tune
