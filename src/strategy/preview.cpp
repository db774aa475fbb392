#include "strategy/preview.h"

namespace tune {

std::vector<Config> preview_configs(Strategy& strategy, const Space& space, int n, uint64_t seed,
                                    Direction direction) {
  std::vector<TrialSnapshot> history;
  std::vector<Config> out;
  for (int k = 0; k < n; ++k) {
    ProposalContext ctx{space, history, k, seed, direction};
    std::optional<Config> config = strategy.propose(ctx);
    if (!config) break;
    TrialSnapshot trial;
    trial.number = k;
    trial.params = *config;
    history.push_back(trial);
    out.push_back(*config);
  }
  return out;
}

}  // namespace tune
