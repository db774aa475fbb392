// Grid and random search against histories, and the registry.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "space/space.h"
#include "strategy/grid.h"
#include "strategy/random.h"
#include "strategy/strategy.h"

namespace tune {
namespace {

Space parse(const char* text) {
  return Space::from_json(Json::parse(text), "space");
}

const char* kTwoByThree = R"({"opt": {"type": "categorical", "choices": ["adam", "sgd"]},
                              "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]}})";

TrialSnapshot trial(int number, const Config& params, TrialState state = TrialState::Running) {
  TrialSnapshot t;
  t.number = number;
  t.params = params;
  t.state = state;
  return t;
}

// Proposes until the strategy says stop (at most `limit`), each proposal becoming a running
// trial of the history, as the study would record it.
std::vector<Config> run_out(Strategy& strategy, const Space& space, uint64_t seed,
                            int limit = 1000) {
  std::vector<TrialSnapshot> history;
  std::vector<Config> out;
  for (int k = 0; k < limit; ++k) {
    ProposalContext ctx{space, history, k, seed, Direction::Minimize};
    std::optional<Config> c = strategy.propose(ctx);
    if (!c) break;
    out.push_back(*c);
    history.push_back(trial(k, *c));
  }
  return out;
}

std::set<std::string> dumps(const std::vector<Config>& configs) {
  std::set<std::string> out;
  for (const Config& c : configs) out.insert(c.dump());
  return out;
}

TEST(GridStrategy, RunsEachPointOnceThenEnds) {
  Space space = parse(kTwoByThree);
  GridStrategy grid;
  EXPECT_EQ(grid.capacity(space), std::optional<size_t>(6));
  std::vector<Config> configs = run_out(grid, space, 0);
  EXPECT_EQ(configs.size(), 6u);
  EXPECT_EQ(dumps(configs), dumps(space.grid()));
  EXPECT_EQ(configs, space.grid());  // in the grid's fixed order
}

TEST(GridStrategy, SkipsPointsTakenInAnyState) {
  Space space = parse(kTwoByThree);
  std::vector<Config> all = space.grid();
  // Stored trials carry fixed params too; a failed or pruned point is still taken.
  Config first = all[0];
  first["epochs"] = 3;
  std::vector<TrialSnapshot> history = {trial(0, first, TrialState::Failed),
                                        trial(1, all[1], TrialState::Complete),
                                        trial(2, all[2], TrialState::Pruned)};
  GridStrategy grid;
  ProposalContext ctx{space, history, 3, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(ctx), all[3]);
  history.push_back(trial(3, all[3]));
  history.push_back(trial(4, all[5]));
  ProposalContext next{space, history, 5, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(next), all[4]);
  history.push_back(trial(5, all[4]));
  ProposalContext last{space, history, 6, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(last), std::nullopt);
}

TEST(GridStrategy, PointsOfTrialsStoppedFromOutsideRunAgain) {
  Space space = parse(kTwoByThree);
  std::vector<Config> all = space.grid();
  std::vector<TrialSnapshot> history = {
      trial(0, all[0], TrialState::Failed), trial(1, all[1], TrialState::Failed),
      trial(2, all[2], TrialState::Failed), trial(3, all[3], TrialState::Failed)};
  history[0].error = "training diverged at epoch 2";  // its own failure: stays taken
  history[1].error = kInterruptedError;
  history[2].error = kTimeoutStoppedError;
  history[3].error = std::string(kWorkerDiedError) + ": no heartbeat for over 30 s";
  GridStrategy grid;
  ProposalContext ctx{space, history, 4, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(ctx), all[1]);
  history.push_back(trial(4, all[1]));  // running again: taken
  ProposalContext next{space, history, 5, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(next), all[2]);
}

TEST(GridStrategy, StoredNumbersCompareByValue) {
  Space space = parse(R"({"n": {"type": "int", "low": 1, "high": 2},
                         "x": {"type": "float", "values": [0.5, 1]}})");
  // As read back from storage: ints as floats or unsigned, floats as integers.
  std::vector<TrialSnapshot> history = {trial(0, Json::parse(R"({"n": 1.0, "x": 0.5})")),
                                        trial(1, Json::parse(R"({"n": 1, "x": 1})"))};
  GridStrategy grid;
  ProposalContext ctx{space, history, 2, 0, Direction::Minimize};
  EXPECT_EQ(grid.propose(ctx), (Json{{"n", 2}, {"x", 0.5}}));
}

TEST(GridStrategy, ConditionalSubGrid) {
  Space space = parse(R"({"layers": {"type": "int", "low": 1, "high": 3},
                         "units_2": {"type": "pow2", "low": 16, "high": 64,
                                     "when": {"layers": {">=": 3}}}})");
  GridStrategy grid;
  std::vector<Config> configs = run_out(grid, space, 0);
  EXPECT_EQ(configs.size(), 5u);
  EXPECT_EQ(dumps(configs).size(), 5u);
  for (const Config& c : configs) EXPECT_EQ(c.contains("units_2"), c["layers"] == 3);
}

TEST(GridStrategy, ShuffleIsASeededPermutation) {
  Space space = parse(R"({"a": {"type": "int", "low": 1, "high": 6},
                         "b": {"type": "int", "low": 1, "high": 4}})");
  GridStrategy a(GridOptions{true, std::nullopt}), b(GridOptions{true, std::nullopt}),
      c(GridOptions{true, 99});
  std::vector<Config> first = run_out(a, space, 5), second = run_out(b, space, 5),
                      third = run_out(c, space, 5);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, third);
  EXPECT_NE(first, space.grid());
  EXPECT_EQ(dumps(first), dumps(space.grid()));
  EXPECT_EQ(first.size(), 24u);
}

TEST(GridStrategy, FloatWithoutGridIsAConfigError) {
  Space space = parse(R"({"lr": {"type": "float", "low": 0.1, "high": 1}})");
  GridStrategy grid;
  std::vector<TrialSnapshot> history;
  ProposalContext ctx{space, history, 0, 0, Direction::Minimize};
  EXPECT_THROW(grid.propose(ctx), ConfigError);
  EXPECT_THROW(grid.capacity(space), ConfigError);
}

TEST(RandomStrategy, TrialConfigDependsOnlyOnSeedAndNumber) {
  Space space = parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
                         "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
                         "m": {"type": "float", "low": 0, "high": 1, "when": {"opt": "sgd"}}})");
  RandomStrategy one, two;
  std::vector<TrialSnapshot> empty;
  std::vector<Config> sequential = run_out(one, space, 7, 20);
  ASSERT_EQ(sequential.size(), 20u);
  // Trial 13 proposed alone, by another instance, with no history: the same config.
  ProposalContext alone{space, empty, 13, 7, Direction::Minimize};
  EXPECT_EQ(two.propose(alone), sequential[13]);
  ProposalContext other_seed{space, empty, 13, 8, Direction::Minimize};
  EXPECT_NE(two.propose(other_seed), sequential[13]);
  EXPECT_EQ(dumps(sequential).size(), 20u);
  for (const Config& c : sequential) EXPECT_EQ(c.contains("m"), c["opt"] == "sgd");
  // The option seed overrides the study's.
  RandomStrategy seeded(RandomOptions{7});
  ProposalContext study_seed_0{space, empty, 13, 0, Direction::Minimize};
  EXPECT_EQ(seeded.propose(study_seed_0), sequential[13]);
}

TEST(RandomStrategy, FiniteSpaceAvoidsRepeatsAndEnds) {
  Space space = parse(kTwoByThree);
  RandomStrategy random;
  EXPECT_EQ(random.capacity(space), std::optional<size_t>(6));
  std::vector<Config> configs = run_out(random, space, 3);
  EXPECT_EQ(configs.size(), 6u);
  EXPECT_EQ(dumps(configs), dumps(space.grid()));
  EXPECT_EQ(RandomStrategy().capacity(parse(R"({"x": {"type": "float", "low": 0, "high": 1}})")),
            std::nullopt);
}

TEST(Registry, NamesAndFactories) {
  std::vector<std::string> names = strategy_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "grid"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "random"), names.end());
  EXPECT_NE(dynamic_cast<GridStrategy*>(make_strategy("grid", Json(), "s").get()), nullptr);
  EXPECT_NE(dynamic_cast<RandomStrategy*>(
                make_strategy("random", Json{{"name", "random"}, {"seed", 4}}, "s").get()),
            nullptr);
}

TEST(Registry, Errors) {
  auto message = [](const std::string& name, const Json& options) {
    try {
      make_strategy(name, options, "cfg.json: strategy");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string unknown = message("simulated_annealing", Json::object());
  EXPECT_NE(unknown.find("unknown strategy \"simulated_annealing\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("grid"), std::string::npos);
  EXPECT_NE(unknown.find("random"), std::string::npos);
  std::string key = message("grid", Json{{"shufle", true}});
  EXPECT_NE(key.find("cfg.json: strategy.shufle"), std::string::npos) << key;
  EXPECT_NE(key.find("allowed: name, shuffle, seed"), std::string::npos) << key;
  EXPECT_NE(message("random", Json{{"shuffle", true}}).find("strategy.shuffle"), std::string::npos);
  EXPECT_NE(message("grid", Json{{"shuffle", "yes"}}).find("true or false"), std::string::npos);
  EXPECT_NE(message("random", Json{{"seed", -1}}).find("strategy.seed"), std::string::npos);
  EXPECT_NE(message("grid", Json::array()).find("expected an object"), std::string::npos);
}

}  // namespace
}  // namespace tune
