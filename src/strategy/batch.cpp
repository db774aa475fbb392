// Strategy::propose_batch's default: sequential proposals, the batch so far pending.
#include "strategy/strategy.h"

namespace tune {

std::vector<Config> Strategy::propose_batch(const ProposalContext& ctx, int n) {
  std::vector<Config> out;
  std::vector<TrialSnapshot> history = ctx.history;
  for (int i = 0; i < n; ++i) {
    const int number = ctx.trial_number + i;
    ProposalContext one{ctx.space, history, number, ctx.seed, ctx.direction};
    one.curves = ctx.curves;
    std::optional<Config> config = propose(one);
    if (!config) break;
    add_pending(history, number, *config);
    out.push_back(std::move(*config));
  }
  return out;
}

void add_pending(std::vector<TrialSnapshot>& history, int number, const Config& params) {
  TrialSnapshot pending;
  pending.number = number;
  pending.state = TrialState::Running;
  pending.params = params;
  history.push_back(std::move(pending));
}

}  // namespace tune
