#include "strategy/random.h"

#include <unordered_set>
#include <vector>

#include "space/rng.h"
#include "space/space.h"
#include "strategy/options.h"

namespace tune {
namespace {

// Draws before giving up on rejection and picking among the free configs directly.
constexpr int kRedraws = 64;
// Above this many configs, listing the free ones costs too much; a duplicate is accepted.
constexpr size_t kEnumerableConfigs = 1000000;

}  // namespace

RandomOptions RandomOptions::from_json(const Json& options, const std::string& where) {
  check_strategy_options(options, {"seed"}, where);
  return RandomOptions{seed_option(options, "seed", where)};
}

std::unique_ptr<Strategy> RandomStrategy::create(const Json& options, const std::string& where) {
  return std::make_unique<RandomStrategy>(RandomOptions::from_json(options, where));
}

std::optional<size_t> RandomStrategy::space_capacity(const Space& space) {
  return space.finite_size();
}

std::optional<Config> RandomStrategy::propose(const ProposalContext& ctx) {
  std::mt19937_64 rng = trial_stream(options_.seed.value_or(ctx.seed), ctx.trial_number);
  const std::optional<size_t> size = ctx.space.finite_size();
  if (!size) return ctx.space.sample(rng);  // continuous: repeats have probability zero

  std::unordered_set<std::string> taken;
  for (const TrialSnapshot& t : ctx.history) taken.insert(config_key(ctx.space, t.params));
  for (int i = 0; i < kRedraws; ++i) {
    Config c = ctx.space.sample(rng);
    if (!taken.count(c.dump())) return c;
  }
  // Crowded space: choose uniformly among the configs nobody has taken yet.
  if (*size > kEnumerableConfigs) return ctx.space.sample(rng);
  std::vector<Config> free;
  ctx.space.visit_grid([&](const Config& c) {
    if (!taken.count(c.dump())) free.push_back(c);
    return true;
  });
  if (free.empty()) return std::nullopt;  // every config has been tried
  return free[uniform_index(rng, free.size())];
}

}  // namespace tune
