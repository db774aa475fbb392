// Hyperband: ASHA brackets with different first rungs, each trial in one of them (rules and
// arithmetic in successive_halving.h).
#include <cstdint>

#include "prune/successive_halving.h"
#include "space/rng.h"

namespace tune {

int hyperband_s_max(int min_epochs, int eta, int max_epochs) {
  // Integer steps instead of log(): floating point would misjudge exact powers (log_3(243)).
  int s = 0;
  for (long long reach = static_cast<long long>(min_epochs) * eta; reach <= max_epochs;
       reach *= eta)
    ++s;
  return s;
}

std::vector<HyperbandBracket> hyperband_brackets(int min_epochs, int eta, int max_epochs) {
  const int s_max = hyperband_s_max(min_epochs, eta, max_epochs);
  std::vector<HyperbandBracket> brackets;
  long long first_rung = min_epochs;
  for (int b = 0; b <= s_max; ++b, first_rung *= eta) {
    const long long s = s_max - b;  // Li et al.'s index: s_max is the most aggressive
    long long eta_s = 1;
    for (long long i = 0; i < s; ++i) eta_s *= eta;
    // ceil((s_max + 1) * eta^s / (s + 1)) in integers.
    const long long weight = ((s_max + 1) * eta_s + s) / (s + 1);
    brackets.push_back({static_cast<int>(first_rung), weight});
  }
  return brackets;
}

int hyperband_bracket_of(int trial, const std::vector<HyperbandBracket>& brackets) {
  long long total = 0;
  for (const HyperbandBracket& b : brackets) total += b.weight;
  // A hash rather than trial % total: consecutive trials should spread over the brackets.
  long long pick = static_cast<long long>(splitmix64(static_cast<uint64_t>(trial)) %
                                          static_cast<uint64_t>(total));
  for (size_t i = 0; i < brackets.size(); ++i) {
    if (pick < brackets[i].weight) return static_cast<int>(i);
    pick -= brackets[i].weight;
  }
  return static_cast<int>(brackets.size()) - 1;  // unreachable: pick < total
}

namespace {

class HyperbandPruner : public Pruner {
 public:
  explicit HyperbandPruner(SuccessiveHalvingOptions options) : options_(options) {}

  bool prune(const PruneContext& ctx) const override {
    const std::optional<int> max_epochs = options_.budget(ctx);
    if (!max_epochs) return false;  // no R, no brackets
    const int eta = options_.reduction_factor;
    const std::vector<HyperbandBracket> brackets =
        hyperband_brackets(options_.min_epochs, eta, *max_epochs);
    const int bracket = hyperband_bracket_of(ctx.trial, brackets);
    return successive_halving_prunes(
        ctx, brackets[bracket].min_epochs, eta, max_epochs,
        [&](int trial) { return hyperband_bracket_of(trial, brackets) == bracket; });
  }

 private:
  SuccessiveHalvingOptions options_;
};

}  // namespace

std::unique_ptr<Pruner> make_hyperband_pruner(const Json& options, const std::string& where) {
  return std::make_unique<HyperbandPruner>(SuccessiveHalvingOptions::from_json(options, where));
}

}  // namespace tune
