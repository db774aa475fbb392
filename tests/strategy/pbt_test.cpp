// Population-based training as a strategy: the population starts, members go on from their own
// checkpoints or copy a top member's and perturb its knobs, wait while all run, end when all
// are done; failures and stops; the checkpoints still needed; and what prepare refuses.
#include <gtest/gtest.h>

#include <cmath>

#include "../support/proposals.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/pbt_segment.h"
#include "space/space.h"
#include "strategy/pbt.h"

namespace tune {
namespace {

Json space_json() {
  return Json::parse(R"({
    "lr": {"type": "float", "low": 1e-4, "high": 0.1, "log": true},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5},
    "batch_size": {"type": "pow2", "low": 32, "high": 256},
    "units": {"type": "int", "low": 8, "high": 64}})");
}

Json experiment_json(Json strategy = Json::object()) {
  strategy["name"] = "pbt";
  if (!strategy.contains("population")) strategy["population"] = 4;
  if (!strategy.contains("interval")) strategy["interval"] = 2;
  return {{"name", "pbt"},
          {"params", {{"model", "mlp"}, {"epochs", 6}}},
          {"space", space_json()},
          {"strategy", strategy},
          {"objective", {{"monitor", "val_accuracy"}, {"direction", "maximize"}}}};
}

struct Fixture {
  explicit Fixture(Json experiment = experiment_json())
      : e(parse_experiment(experiment, "pbt.json")),
        space(Space::from_json(e.space, "space")),
        strategy(make_strategy("pbt", e.strategy, "pbt.json: strategy")) {
    strategy->prepare(space, e);
  }
  std::optional<Config> propose(uint64_t seed = 5) {
    return strategy->propose(
        {space, history, static_cast<int>(history.size()), seed, e.objective_spec.direction});
  }
  // Proposes and records the proposal as running; returns its segment.
  PbtSegment start(uint64_t seed = 5) {
    std::optional<Config> c = propose(seed);
    if (!c) throw std::runtime_error("no proposal");
    TrialSnapshot t;
    t.number = static_cast<int>(history.size());
    t.params = *c;
    history.push_back(t);
    return *PbtSegment::from_config(*c, "test");
  }
  void finish(int number, double value) {
    history[number].state = TrialState::Complete;
    history[number].value = value;
  }
  void fail(int number, const std::string& error) {
    history[number].state = TrialState::Failed;
    history[number].error = error;
  }
  Experiment e;
  Space space;
  std::unique_ptr<Strategy> strategy;
  std::vector<TrialSnapshot> history;
};

TEST(PbtStrategy, StartsThePopulationThenMembersGoOnOrCopyATopMember) {
  Fixture f;
  for (int m = 0; m < 4; ++m) {
    PbtSegment s = f.start();
    EXPECT_EQ(s.member, m);
    EXPECT_EQ(s.from_epoch, 0);
    EXPECT_EQ(s.to_epoch, 2);
    EXPECT_FALSE(s.parent);
    testing::expect_valid_proposal(f.space, without_pbt(f.history.back().params));
  }
  for (int m = 0; m < 4; ++m) f.finish(m, 0.5 + 0.1 * m);  // member 3 is the best

  // Member 0, the worst (the bottom quarter of four is one member), copies member 3.
  PbtSegment copy = f.start();
  EXPECT_EQ(copy.member, 0);
  EXPECT_EQ(copy.parent, 3);
  EXPECT_EQ(copy.exploited, 3);
  EXPECT_EQ(copy.from_epoch, 2);
  EXPECT_EQ(copy.to_epoch, 4);
  const Config donor = without_pbt(f.history[3].params),
               explored = without_pbt(f.history[4].params);
  testing::expect_valid_proposal(f.space, explored);
  EXPECT_EQ(explored["units"], donor["units"]);  // not a knob training can change
  EXPECT_NE(explored["lr"], donor["lr"]);        // continuous: always moves

  // Member 1 is not in the bottom: it goes on from its own checkpoint with its own config.
  PbtSegment own = f.start();
  EXPECT_EQ(own.member, 1);
  EXPECT_EQ(own.parent, 1);
  EXPECT_FALSE(own.exploited);
  EXPECT_EQ(own.from_epoch, 2);
  EXPECT_EQ(without_pbt(f.history[5].params), without_pbt(f.history[1].params));
}

TEST(PbtStrategy, ExploreMultipliesOrStepsToTheNextValue) {
  Fixture f(experiment_json({{"resample_probability", 0.0}, {"factors", {1.25}}}));
  for (int m = 0; m < 4; ++m) f.start();
  for (int m = 0; m < 4; ++m) f.finish(m, 0.5 + 0.1 * m);
  f.start();
  const Config donor = without_pbt(f.history[3].params),
               explored = without_pbt(f.history[4].params);
  EXPECT_NEAR(explored["lr"].get<double>(), std::min(0.1, donor["lr"].get<double>() * 1.25), 1e-12);
  EXPECT_NEAR(explored["dropout"].get<double>(),
              std::min(0.5, donor["dropout"].get<double>() * 1.25), 1e-12);
  EXPECT_EQ(explored["batch_size"].get<int>(), std::min(256, donor["batch_size"].get<int>() * 2));

  Fixture down(experiment_json(
      {{"resample_probability", 0.0}, {"factors", {0.5}}, {"mutate", {"batch_size"}}}));
  for (int m = 0; m < 4; ++m) down.start();
  for (int m = 0; m < 4; ++m) down.finish(m, 0.5 + 0.1 * m);
  down.start();
  const Config d = without_pbt(down.history[3].params), x = without_pbt(down.history[4].params);
  EXPECT_EQ(x["batch_size"].get<int>(), std::max(32, d["batch_size"].get<int>() / 2));
  EXPECT_EQ(x["lr"], d["lr"]);  // not listed in mutate
}

TEST(PbtStrategy, WaitsWhileEveryMemberRunsAndEndsWhenAllAreDone) {
  Fixture f(experiment_json({{"population", 2}, {"interval", 3}}));
  f.start();
  f.start();
  EXPECT_FALSE(f.propose());  // both running: the study waits
  f.finish(0, 0.7);
  f.finish(1, 0.6);
  for (int k = 0; k < 2; ++k) {
    PbtSegment s = f.start();
    EXPECT_EQ(s.from_epoch, 3);
    EXPECT_EQ(s.to_epoch, 6);
  }
  f.finish(2, 0.8);
  f.finish(3, 0.9);
  EXPECT_FALSE(f.propose());  // both at params.epochs
  EXPECT_EQ(f.strategy->capacity(f.space), 4u);
}

TEST(PbtStrategy, AFailedStretchIsReplacedAndAStoppedOneRunsAgain) {
  Fixture f;
  for (int m = 0; m < 4; ++m) f.start();
  for (int m = 0; m < 3; ++m) f.finish(m, 0.5 + 0.1 * m);
  f.fail(3, "training diverged at epoch 2");
  PbtSegment replaced = f.start();  // member 3 has the fewest epochs: it copies member 2
  EXPECT_EQ(replaced.member, 3);
  EXPECT_EQ(replaced.parent, 2);
  EXPECT_EQ(replaced.exploited, 2);
  f.fail(4, kInterruptedError);
  EXPECT_EQ(*f.propose(), f.history[4].params);  // stopped from outside: the same stretch

  Fixture alone(experiment_json({{"population", 2}}));
  alone.start();
  alone.start();
  alone.fail(0, "out of memory");
  alone.fail(1, "out of memory");
  PbtSegment fresh = alone.start();  // nobody to copy: a new random start
  EXPECT_EQ(fresh.from_epoch, 0);
  EXPECT_FALSE(fresh.parent);
  EXPECT_NE(without_pbt(alone.history[2].params), without_pbt(alone.history[0].params));
}

TEST(PbtStrategy, MinimizingCopiesTheLowestAndProposalsRepeatBySeed) {
  Json e = experiment_json();
  e["objective"] = {{"monitor", "val_loss"}, {"direction", "minimize"}};
  Fixture f(e), g(e);
  for (Fixture* x : {&f, &g}) {
    for (int m = 0; m < 4; ++m) x->start();
    for (int m = 0; m < 4; ++m) x->finish(m, 0.5 + 0.1 * m);  // member 0 is the best
  }
  PbtSegment s = f.start();  // member 0 goes on; member 3 is the worst but waits its turn
  EXPECT_EQ(s.member, 0);
  EXPECT_FALSE(s.exploited);
  f.start();
  f.start();
  PbtSegment worst = f.start();
  EXPECT_EQ(worst.member, 3);
  EXPECT_EQ(worst.exploited, 0);
  for (int k = 0; k < 4; ++k) g.start();
  for (size_t k = 0; k < f.history.size(); ++k)
    EXPECT_EQ(f.history[k].params, g.history[k].params) << k;
}

TEST(PbtStrategy, LiveCheckpointsAreEachMembersNewestAndTheParentsOfRunningOnes) {
  Fixture f(experiment_json({{"population", 2}}));
  f.start();
  f.start();
  f.finish(0, 0.6);
  f.finish(1, 0.7);
  f.start();  // 2: member 0 copies member 1 (parent 1), running
  EXPECT_EQ(pbt_live_checkpoints(f.history), (std::set<int>{0, 1}));
  f.finish(2, 0.8);
  EXPECT_EQ(pbt_live_checkpoints(f.history), (std::set<int>{1, 2}));
  f.start();  // 3: member 1 goes on from 1
  f.finish(3, 0.75);
  EXPECT_EQ(pbt_live_checkpoints(f.history), (std::set<int>{2, 3}));

  // A copy that a dead worker left behind runs again from its parent, though the donor went on.
  auto stretch = [](int number, TrialState state, int member, int from, std::optional<int> parent) {
    TrialSnapshot t;
    t.number = number;
    t.state = state;
    PbtSegment s;
    s.member = member;
    s.from_epoch = from;
    s.to_epoch = from + 2;
    s.parent = parent;
    t.params = {{"lr", 0.01}, {kPbtKey, s.to_json()}};
    if (state == TrialState::Complete) t.value = 0.5;
    if (state == TrialState::Failed) t.error = std::string(kWorkerDiedError) + ": no heartbeat";
    return t;
  };
  const std::vector<TrialSnapshot> trials = {
      stretch(0, TrialState::Complete, 0, 0, {}), stretch(1, TrialState::Complete, 1, 0, {}),
      stretch(2, TrialState::Failed, 1, 2, 0), stretch(3, TrialState::Complete, 0, 2, 0)};
  EXPECT_EQ(pbt_live_checkpoints(trials), (std::set<int>{0, 1, 3}));

  // The schedule trial 3 ends: trial 0 (epochs 1-2) then itself (epochs 3-4).
  const Json schedule = pbt_schedule(trials, 3);
  ASSERT_EQ(schedule.size(), 2u);
  EXPECT_EQ(schedule[0]["trial"], 0);
  EXPECT_EQ(schedule[0]["epochs"], Json({1, 2}));
  EXPECT_EQ(schedule[1]["trial"], 3);
  EXPECT_EQ(schedule[1]["epochs"], Json({3, 4}));
  EXPECT_EQ(schedule[1]["params"], Json({{"lr", 0.01}}));
  EXPECT_TRUE(pbt_schedule(trials, 9).empty());
}

TEST(PbtStrategy, Pb2PicksWhereTheModelExpectsTheLargestGain) {
  Json e = experiment_json({{"explore", "pb2"}});
  e["params"]["epochs"] = 8;
  Fixture f(e);
  const Param& lr = *f.space.find("lr");
  // Four members, three stretches each; a stretch gains u (lr's unit coordinate) over its
  // parent: the larger the learning rate, the larger the gain.
  const std::vector<double> u = {0.1, 0.4, 0.7, 0.95};
  for (int stretch = 0; stretch < 3; ++stretch)
    for (int m = 0; m < 4; ++m) {
      TrialSnapshot t;
      t.number = static_cast<int>(f.history.size());
      t.state = TrialState::Complete;
      PbtSegment s;
      s.member = m;
      s.from_epoch = 2 * stretch;
      s.to_epoch = s.from_epoch + 2;
      if (stretch > 0) s.parent = t.number - 4;
      // Dropout and batch size vary too, unrelated to the gain.
      const int k = (3 * m + 5 * stretch) % 6;
      t.params = {{"lr", lr.from_unit(u[m])},
                  {"dropout", 0.08 * k},
                  {"batch_size", 32 << (k % 4)},
                  {"units", 16},
                  {kPbtKey, s.to_json()}};
      t.value = 0.3 + u[m] * stretch;
      f.history.push_back(t);
    }
  PbtSegment copy = f.start();  // member 0, the worst, copies member 3 at epoch 6
  EXPECT_EQ(copy.member, 0);
  EXPECT_EQ(copy.exploited, 3);
  const Config chosen = without_pbt(f.history.back().params);
  testing::expect_valid_proposal(f.space, chosen);
  EXPECT_GT(lr.to_unit(chosen["lr"]), 0.8) << chosen.dump();
  EXPECT_EQ(chosen["units"], 16);  // not mutable: the donor's

  // Fewer than four stretches with a parent: it explores by perturbing, as "perturb" does.
  Fixture early(
      experiment_json({{"explore", "pb2"}, {"resample_probability", 0.0}, {"factors", {1.25}}}));
  for (int m = 0; m < 4; ++m) early.start();
  for (int m = 0; m < 4; ++m) early.finish(m, 0.5 + 0.1 * m);
  early.start();
  EXPECT_NEAR(without_pbt(early.history[4].params)["lr"].get<double>(),
              std::min(0.1, early.history[3].params["lr"].get<double>() * 1.25), 1e-12);
}

TEST(PbtStrategy, PrepareAndOptionsRefuseWhatCannotWork) {
  auto refuses = [](Json experiment, const std::string& field) {
    try {
      Fixture f(std::move(experiment));
      ADD_FAILURE() << "accepted; expected an error about " << field;
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(field), std::string::npos) << error.what();
    }
  };
  Json e = experiment_json();
  e["pruner"] = {{"name", "median"}};
  refuses(e, "pruner");
  e = experiment_json();
  e["params"].erase("epochs");
  refuses(e, "params.epochs");
  e = experiment_json();
  e["space"]["epochs"] = {{"type", "int"}, {"low", 2}, {"high", 8}};
  refuses(e, "space.epochs");
  refuses(experiment_json({{"interval", 6}}), "strategy.interval");
  refuses(experiment_json({{"mutate", {"units"}}}), "strategy.mutate");
  refuses(experiment_json({{"mutate", {"momentum"}}}), "strategy.mutate");
  refuses(experiment_json({{"population", 1}}), "strategy.population");
  refuses(experiment_json({{"quantile", 0.7}}), "strategy.quantile");
  refuses(experiment_json({{"factors", {1.0}}}), "strategy.factors");
  refuses(experiment_json({{"intervals", 2}}), "strategy.intervals");
  refuses(experiment_json({{"explore", "bandit"}}), "strategy.explore");
  e = experiment_json({{"mutate", {"activation"}}});
  e["space"]["activation"] = {{"type", "categorical"}, {"choices", {"relu", "tanh"}}};
  e["space"]["units"]["when"] = {{"activation", "relu"}};
  refuses(e, "strategy.mutate");
  e = experiment_json();
  e["space"] = {{"units", {{"type", "int"}, {"low", 8}, {"high", 64}}}};
  refuses(e, "space");
  EXPECT_TRUE(pbt_can_mutate("dropout_2"));
  EXPECT_TRUE(pbt_can_mutate("activation_0"));
  EXPECT_FALSE(pbt_can_mutate("dropout_x"));
  EXPECT_FALSE(pbt_can_mutate("units_1"));
}

}  // namespace
}  // namespace tune
