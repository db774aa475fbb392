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
// Draws a later member of a fused batch makes looking for the first member's key (see below).
constexpr int kShapeDraws = 1024;

// The configs of `history` in a finite space, by key; empty for a continuous space, where
// repeats have probability zero.
std::unordered_set<std::string> taken_configs(const Space& space,
                                              const std::vector<TrialSnapshot>& history) {
  std::unordered_set<std::string> taken;
  if (!space.finite_size()) return taken;
  for (const TrialSnapshot& t : history) taken.insert(config_key(space, t.params));
  return taken;
}

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
  std::mt19937_64 rng = trial_stream(seed(ctx), ctx.trial_number);
  const std::optional<size_t> size = ctx.space.finite_size();
  if (!size) return ctx.space.sample(rng);  // continuous: repeats have probability zero

  const std::unordered_set<std::string> taken = taken_configs(ctx.space, ctx.history);
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

// Why each member of a shared-shape batch is still distributed as a lone random trial: the
// first config is drawn unconditionally, so its key K has the space's distribution p_k. A later
// member draws from its own stream until a draw has key K, so given K = k it is distributed as
// the space conditioned on key k: P(x | k) = P(x) / p_k when key(x) = k, else 0. Summed over K,
// P(member = x) = p_j P(x) / p_j = P(x) with j = key(x): exactly the space's distribution.
// Two things bend this slightly. After kShapeDraws = N misses (probability (1 - p_k)^N, about
// 1e-25 for the 18 equally likely shapes of configs/fashion_mlp.json) the member takes its lone
// config instead, which moves the distribution by at most sum_k p_k (1 - p_k)^N <= #keys /
// (e (N + 1)) in total variation. And in a finite space taken configs are skipped, as a lone
// trial skips them. Members are not independent of each other (they share K): that is the
// point of the batch.
std::vector<Config> RandomStrategy::propose_batch(const ProposalContext& ctx, int n) {
  if (!ctx.fuse_key || n <= 1) return Strategy::propose_batch(ctx, n);
  std::vector<Config> out;
  std::vector<TrialSnapshot> history = ctx.history;
  std::unordered_set<std::string> taken = taken_configs(ctx.space, history);
  std::optional<std::string> key;
  for (int i = 0; i < n; ++i) {
    const int number = ctx.trial_number + i;
    std::optional<Config> config;
    if (i > 0 && key) config = draw_with_key(ctx, number, *key, taken);
    if (!config) config = propose({ctx.space, history, number, ctx.seed, ctx.direction});
    if (!config) break;                       // a finite space is spent
    if (i == 0) key = ctx.fuse_key(*config);  // nullopt: it runs alone; the rest as without a key
    if (ctx.space.finite_size()) taken.insert(config_key(ctx.space, *config));
    add_pending(history, number, *config);
    out.push_back(std::move(*config));
  }
  return out;
}

// Trial `number`'s first draw with `key` that nobody has taken, or nullopt after kShapeDraws.
std::optional<Config> RandomStrategy::draw_with_key(
    const ProposalContext& ctx, int number, const std::string& key,
    const std::unordered_set<std::string>& taken) const {
  std::mt19937_64 rng = trial_stream(seed(ctx), number);
  for (int i = 0; i < kShapeDraws; ++i) {
    Config c = ctx.space.sample(rng);
    if (taken.count(c.dump())) continue;
    if (ctx.fuse_key(c) == key) return c;
  }
  return std::nullopt;
}

}  // namespace tune
