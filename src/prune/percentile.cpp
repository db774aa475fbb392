#include "prune/percentile.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "common/hparams.h"

namespace tune {

PercentileOptions PercentileOptions::from_json(const Json& options, const std::string& where,
                                               bool is_median) {
  std::vector<std::string> keys = {"name", "startup_trials", "warmup_epochs", "interval",
                                   "min_trials"};
  if (!is_median) keys.push_back("percentile");
  check_keys(options, keys, where);
  const Hyperparameters hp(options, where);
  PercentileOptions out;
  out.percentile = is_median ? 50.0 : hp.real("percentile", out.percentile, 0, 100);
  out.startup_trials =
      static_cast<int>(hp.integer("startup_trials", out.startup_trials, 0, INT_MAX));
  out.warmup_epochs = static_cast<int>(hp.integer("warmup_epochs", out.warmup_epochs, 0, INT_MAX));
  out.interval = static_cast<int>(hp.integer("interval", out.interval, 1, INT_MAX));
  out.min_trials = static_cast<int>(hp.integer("min_trials", out.min_trials, 1, INT_MAX));
  return out;
}

bool PercentilePruner::decides_at(int epoch) const {
  return epoch > options_.warmup_epochs &&
         (epoch - options_.warmup_epochs) % options_.interval == 0;
}

bool PercentilePruner::prune(const PruneContext& ctx) const {
  if (!decides_at(ctx.epoch)) return false;
  if (ctx.curves.count(TrialState::Complete) < options_.startup_trials) return false;
  std::vector<double> finished;
  for (const auto& entry : ctx.curves.at(ctx.epoch, TrialState::Complete))
    if (!std::isnan(entry.second)) finished.push_back(entry.second);
  if (finished.empty() || static_cast<int>(finished.size()) < options_.min_trials) return false;
  const std::optional<double> best = ctx.curves.best_until(ctx.trial, ctx.epoch, ctx.direction);
  if (!best) return false;
  if (std::isnan(*best)) return true;  // diverged: no later epoch can make it competitive
  // Worse than the p-th percentile on the side of the good values: low ones when minimizing.
  const bool minimize = ctx.direction == Direction::Minimize;
  const double threshold = percentile_of(
      std::move(finished), minimize ? options_.percentile : 100 - options_.percentile);
  return better(threshold, *best, ctx.direction);
}

double percentile_of(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const double h = p / 100 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - static_cast<double>(lo)) * (values[lo + 1] - values[lo]);
}

std::unique_ptr<Pruner> make_median_pruner(const Json& options, const std::string& where) {
  return std::make_unique<PercentilePruner>(PercentileOptions::from_json(options, where, true));
}

std::unique_ptr<Pruner> make_percentile_pruner(const Json& options, const std::string& where) {
  return std::make_unique<PercentilePruner>(PercentileOptions::from_json(options, where, false));
}

}  // namespace tune
