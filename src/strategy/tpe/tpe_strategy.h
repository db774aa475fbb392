#pragma once
// Tree-structured Parzen estimators (TPE), as Optuna 5's TPESampler does it by default
// (multivariate, running trials pending) with its group decomposition for conditional spaces:
// after `startup_trials` random configs, the complete and pruned trials are split into the best
// gamma share ("below", at most gamma_cap) and the rest, running trials joining the rest so that
// parallel workers spread out. Each group of parameters that are active together gets two Parzen
// estimators, l over the good trials and g over the others (see parzen.h); `candidates` points
// are drawn from l and the one with the largest l/g is taken. A finite space never gets a config
// twice; when every config is taken the strategy ends. Cost per ask: linear in the trials (one
// read of the history, a sort per dimension, candidates x trials kernel evaluations).
// Config: "strategy": {"name": "tpe", "startup_trials": 10, "candidates": 24, "gamma": 0.1,
// "gamma_cap": 25, "prior_weight": 1, "multivariate": true, "seed": S}.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/json.h"
#include "strategy/strategy.h"

namespace tune::tpe {

struct TpeOptions {
  int startup_trials = 10;  // random configs before the model (complete and pruned trials)
  int candidates = 24;      // draws from l scored per group
  double gamma = 0.1;       // share of the trials that are "good": ceil(gamma * n) ...
  int gamma_cap = 25;       // ... but at most this many
  double prior_weight = 1.0;
  bool multivariate = true;      // false: every parameter its own group (independent TPE)
  std::optional<uint64_t> seed;  // overrides the study's seed

  // Parses the config's "strategy" object; unknown keys and bad values throw ConfigError.
  static TpeOptions from_json(const Json& options, const std::string& where);
};

class TpeStrategy : public Strategy {
 public:
  explicit TpeStrategy(TpeOptions options = {}) : options_(options) {}
  std::optional<Config> propose(const ProposalContext& ctx) override;
  std::optional<size_t> capacity(const Space& space) const override;

 private:
  TpeOptions options_;
};

std::unique_ptr<Strategy> make_tpe_strategy(const Json& options, const std::string& where);

}  // namespace tune::tpe
