#pragma once
// A search strategy decides the next config from the space and the history. It never touches
// LibTorch, devices or storage. Strategies may keep caches (a fitted surrogate) but must give
// correct answers from the history alone, since several processes can share one study.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

class Space;
class LearningCurves;
struct Experiment;

struct ProposalContext {
  const Space& space;
  // Every trial of the study so far, finished and running (running ones are pending: a
  // strategy must not hand out the same point twice while they run).
  const std::vector<TrialSnapshot>& history;
  int trial_number;  // the number the proposed trial will get
  uint64_t seed;     // the study's seed; derive per-trial streams from (seed, trial_number)
  Direction direction;
  // Empty unless the batch is for a fused group: then a strategy may prefer batches whose
  // members share a key, as long as each member's distribution stays its own (see random.h).
  FuseKeyFn fuse_key = {};
  // Every trial's objective value by epoch, as the pruner sees them (null where the caller has
  // none): lets a strategy put a pruned trial's partial value on the scale of final ones.
  const LearningCurves* curves = nullptr;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // The next config, or nullopt when the strategy has nothing left (an exhausted grid).
  virtual std::optional<Config> propose(const ProposalContext& ctx) = 0;
  // How many configs the strategy can produce at most (grid size), or nullopt if unbounded.
  virtual std::optional<size_t> capacity(const Space&) const { return std::nullopt; }
  // Called once before the first proposal with the space and the experiment it runs in: a
  // strategy that needs more than the space (pbt reads params.epochs) checks and keeps it
  // here; ConfigError naming the field when the experiment does not suit it.
  virtual void prepare(const Space&, const Experiment&) {}
  // Up to n configs at once, for trials numbered ctx.trial_number, +1, ... (a fused group).
  // Fewer when the strategy runs out (a grid's last points). The default proposes one at a
  // time, each seeing the earlier ones of the batch as running trials (pending points), so a
  // strategy that handles running trials gives n distinct configs without doing anything more.
  virtual std::vector<Config> propose_batch(const ProposalContext& ctx, int n);
};

// Appends `params` to `history` as trial `number`, running: a batch's earlier members, pending.
void add_pending(std::vector<TrialSnapshot>& history, int number, const Config& params);

// `options` is the config's "strategy" object (may be empty); `where` names it for errors.
using StrategyFactory =
    std::function<std::unique_ptr<Strategy>(const Json& options, const std::string& where)>;

// Names of the registered strategies, and a new strategy by name (ConfigError if unknown).
std::vector<std::string> strategy_names();
std::unique_ptr<Strategy> make_strategy(const std::string& name, const Json& options,
                                        const std::string& where);

}  // namespace tune
