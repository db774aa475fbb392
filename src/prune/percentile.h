#pragma once
// The percentile pruners: stop a trial whose best value so far is worse than a percentile of the
// values that complete trials reported at the same epoch. "median" is "percentile" at 50; both
// share PercentilePruner.
//
// The rule, at the epoch e a trial reports (1-based):
//   - decide only when e > warmup_epochs and (e - warmup_epochs) % interval == 0, so with
//     warmup 2 and interval 3 the decisions fall at epochs 5, 8, 11...;
//   - never prune before `startup_trials` trials are complete, nor when fewer than `min_trials`
//     complete trials reported a (non-NaN) value at e;
//   - best = the trial's best value over its epochs <= e; minimize: prune when best > the p-th
//     percentile of the complete trials' values at e; maximize: prune when best < the
//     (100 - p)-th percentile. A smaller p prunes more; p = 50 is the median either way. A trial
//     whose values so far are all NaN (diverged) is pruned whenever a decision is made.
// Percentiles interpolate linearly between order statistics (see percentile_of).
#include <memory>
#include <string>
#include <vector>

#include "prune/pruner.h"

namespace tune {

struct PercentileOptions {
  double percentile = 25;  // 0..100; "median" fixes it at 50 (no key)
  int startup_trials = 5;  // complete trials needed before any pruning
  int warmup_epochs = 0;   // epochs at the start of each trial that are never pruned
  int interval = 1;        // epochs between decisions after the warm-up
  int min_trials = 1;      // complete trials that must have reported at the epoch

  // The "pruner" object of `median` (no "percentile" key) or `percentile`; ConfigError naming
  // where.field and the allowed values for an unknown key or a bad value.
  static PercentileOptions from_json(const Json& options, const std::string& where, bool is_median);
};

class PercentilePruner : public Pruner {
 public:
  explicit PercentilePruner(PercentileOptions options) : options_(options) {}
  bool prune(const PruneContext& ctx) const override;
  // True at the epochs where the pruner decides (warm-up and interval rule above).
  bool decides_at(int epoch) const;
  const PercentileOptions& options() const { return options_; }

 private:
  PercentileOptions options_;
};

// The p-th percentile (0..100) of non-empty `values`, interpolating linearly between order
// statistics: sorted x_0..x_{n-1}, h = p/100 * (n - 1), x_floor(h) + (h - floor(h)) *
// (x_floor(h)+1 - x_floor(h)) (numpy's default "linear" method).
double percentile_of(std::vector<double> values, double p);

std::unique_ptr<Pruner> make_median_pruner(const Json& options, const std::string& where);
std::unique_ptr<Pruner> make_percentile_pruner(const Json& options, const std::string& where);

}  // namespace tune
