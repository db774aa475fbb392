#include "strategy/grid.h"

#include <unordered_set>
#include <utility>

#include "common/error.h"
#include "common/hparams.h"
#include "space/rng.h"
#include "space/space.h"
#include "strategy/options.h"

namespace tune {
namespace {

// Points held by a trial in any state, except trials stopped from outside (interrupted,
// timed out, dead worker): those points run again. A point that failed by itself stays taken,
// or a config that always fails would be retried until the failure cap stops the study.
std::unordered_set<std::string> taken_keys(const ProposalContext& ctx) {
  std::unordered_set<std::string> taken;
  for (const TrialSnapshot& t : ctx.history)
    if (!stopped_from_outside(t)) taken.insert(config_key(ctx.space, t.params));
  return taken;
}

}  // namespace

GridOptions GridOptions::from_json(const Json& options, const std::string& where) {
  check_strategy_options(options, {"shuffle", "seed"}, where);
  GridOptions out;
  if (options.is_object() && options.contains("shuffle")) {
    if (!options["shuffle"].is_boolean())
      throw ConfigError(where + ".shuffle",
                        "expected true or false, got " + describe(options["shuffle"]));
    out.shuffle = options["shuffle"].get<bool>();
  }
  out.seed = seed_option(options, "seed", where);
  return out;
}

std::unique_ptr<Strategy> GridStrategy::create(const Json& options, const std::string& where) {
  return std::make_unique<GridStrategy>(GridOptions::from_json(options, where));
}

std::optional<size_t> GridStrategy::capacity(const Space& space) const {
  return space.grid_size();
}

const std::vector<Config>& GridStrategy::shuffled(const Space& space, uint64_t seed) {
  if (cached_space_ == &space && cached_seed_ == seed && !cached_order_.empty())
    return cached_order_;
  cached_order_ = space.grid();
  std::mt19937_64 rng(splitmix64(seed));
  for (size_t i = cached_order_.size(); i > 1; --i)  // Fisher-Yates, portable draws
    std::swap(cached_order_[i - 1], cached_order_[uniform_index(rng, i)]);
  cached_space_ = &space;
  cached_seed_ = seed;
  return cached_order_;
}

std::optional<Config> GridStrategy::propose(const ProposalContext& ctx) {
  const std::unordered_set<std::string> taken = taken_keys(ctx);
  std::optional<Config> found;
  if (options_.shuffle) {
    for (const Config& c : shuffled(ctx.space, options_.seed.value_or(ctx.seed)))
      if (!taken.count(c.dump())) return c;
    return std::nullopt;
  }
  // In grid order, lazily: the first untaken point is found without building the grid.
  ctx.space.visit_grid([&](const Config& c) {
    if (taken.count(c.dump())) return true;
    found = c;
    return false;
  });
  return found;
}

}  // namespace tune
