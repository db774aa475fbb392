#pragma once
// Small strategies and objectives for testing the study without the real ones.
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "objective/objective.h"
#include "strategy/strategy.h"

namespace tune::testing {

// Proposes {"x": 0}, {"x": 1}, ... : the smallest point not held by a complete, pruned or
// running trial (failed points are offered again), up to `points` (0: unbounded).
class CountingStrategy : public Strategy {
 public:
  explicit CountingStrategy(int points = 0) : points_(points) {}
  std::optional<Config> propose(const ProposalContext& ctx) override {
    std::set<int> taken;
    for (const auto& t : ctx.history)
      if (t.state != TrialState::Failed) taken.insert(t.params.at("x").get<int>());
    for (int x = 0; points_ == 0 || x < points_; ++x)
      if (!taken.count(x)) return Config{{"x", x}};
    return std::nullopt;
  }

 private:
  int points_;
};

using RunFunction = std::function<ObjectiveResult(const Json& config, TrialContext& ctx)>;

class FunctionObjective : public Objective {
 public:
  explicit FunctionObjective(RunFunction run) : run_(std::move(run)) {}
  ObjectiveResult run(const Json& config, TrialContext& ctx) override { return run_(config, ctx); }

 private:
  RunFunction run_;
};

inline ObjectiveResult value_of_x(const Json& config, TrialContext&) {
  return {config.at("x").get<double>(), Json::object()};
}

}  // namespace tune::testing
