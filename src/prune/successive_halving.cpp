// The rung logic that ASHA and Hyperband share.
#include "prune/successive_halving.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "common/hparams.h"

namespace tune {

SuccessiveHalvingOptions SuccessiveHalvingOptions::from_json(const Json& options,
                                                             const std::string& where) {
  check_keys(options, {"name", "min_epochs", "reduction_factor", "max_epochs"}, where);
  const Hyperparameters hp(options, where);
  SuccessiveHalvingOptions out;
  out.min_epochs = static_cast<int>(hp.integer("min_epochs", out.min_epochs, 1, INT_MAX));
  out.reduction_factor =
      static_cast<int>(hp.integer("reduction_factor", out.reduction_factor, 2, INT_MAX));
  if (hp.has("max_epochs"))
    out.max_epochs = static_cast<int>(hp.integer("max_epochs", 1, 1, INT_MAX));
  return out;
}

std::vector<int> asha_rungs(int min_epochs, int eta, int max_epochs) {
  std::vector<int> rungs;
  // long long: the next rung may pass INT_MAX before the loop sees it pass max_epochs.
  for (long long rung = min_epochs; rung < max_epochs; rung *= eta)
    rungs.push_back(static_cast<int>(rung));
  return rungs;
}

bool is_asha_rung(int epoch, int min_epochs, int eta, std::optional<int> max_epochs) {
  if (max_epochs && epoch >= *max_epochs) return false;
  long long rung = min_epochs;
  while (rung < epoch) rung *= eta;
  return rung == epoch;
}

bool survives_rung(double value, const std::vector<double>& competitors, int eta,
                   Direction direction) {
  if (std::isnan(value)) return false;
  const long long places = std::max<long long>(1, static_cast<long long>(competitors.size()) / eta);
  // better() is false for NaN either way round, so a NaN competitor never counts as better.
  const long long ahead = std::count_if(competitors.begin(), competitors.end(), [&](double other) {
    return better(other, value, direction);
  });
  return ahead < places;
}

bool successive_halving_prunes(const PruneContext& ctx, int min_epochs, int eta,
                               std::optional<int> max_epochs,
                               const std::function<bool(int trial)>& competes) {
  if (!is_asha_rung(ctx.epoch, min_epochs, eta, max_epochs)) return false;
  const std::optional<double> own = ctx.curves.value(ctx.trial, ctx.epoch);
  if (!own) return false;
  std::vector<double> competitors;
  for (const auto& [trial, value] : ctx.curves.at(ctx.epoch)) {
    const bool rival = ctx.curves.state(trial) != TrialState::Failed && competes(trial);
    if (trial == ctx.trial || rival) competitors.push_back(value);
  }
  return !survives_rung(*own, competitors, eta, ctx.direction);
}

}  // namespace tune
