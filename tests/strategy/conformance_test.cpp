// What every registered strategy promises, run against each of them: valid configs (active
// parameters only, in their domains) on a mixed conditional space, no config twice in a finite
// space and an end when it is spent, and proposals that depend only on the seed and the history.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "../support/proposals.h"
#include "../support/spaces.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace tune {
namespace {

class StrategyConformance : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Strategy> make(const Space& space) const {
    return testing::registered_strategy(GetParam(), space);
  }
};

// Proposes up to `budget` configs, each complete with f's value before the next ask.
std::vector<Config> run(Strategy& strategy, const Space& space, int budget,
                        double (*f)(const Config&)) {
  std::vector<TrialSnapshot> history;
  std::vector<Config> out;
  for (int k = 0; k < budget; ++k) {
    const std::optional<Config> c = strategy.propose({space, history, k, 17, Direction::Minimize});
    if (!c) break;
    out.push_back(*c);
    TrialSnapshot t;
    t.number = k;
    t.state = TrialState::Complete;
    t.params = *c;
    t.value = f(*c);
    t.end_time = k + 1;
    history.push_back(t);
  }
  return out;
}

double mixed_loss(const Config& c) {
  double y = std::abs(std::log10(c["lr"].get<double>()) + 2) + c["layers"].get<double>() / 4;
  if (c.contains("momentum")) y += 1 - c["momentum"].get<double>();
  if (c.contains("units_2")) y += c["units_2"].get<double>() / 64;
  return y + (c["act"] == "tanh" ? 0.2 : 0.0);
}

TEST_P(StrategyConformance, ConfigsAreValidAndHoldTheActiveParameters) {
  const Space space = Space::from_json(testing::mixed_space(), "space");
  auto strategy = make(space);
  const std::vector<Config> configs = run(*strategy, space, 20, mixed_loss);
  ASSERT_FALSE(configs.empty());
  for (const Config& c : configs) testing::expect_valid_proposal(space, c);
}

double small_loss(const Config& c) {
  return std::abs(c["a"].get<double>() - 2) + (c["b"] == "y" ? 0.5 : 0.0);
}

TEST_P(StrategyConformance, FiniteSpaceGetsEachConfigOnceThenEnds) {
  const Space space = Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 1, "high": 4},
                     "b": {"type": "categorical", "choices": ["x", "y", "z"]}})"),
                                       "space");
  if (GetParam() == "pbt") GTEST_SKIP() << testing::kPbtRepeats;
  auto strategy = make(space);
  const std::vector<Config> configs = run(*strategy, space, 40, small_loss);
  std::set<std::string> distinct;
  for (const Config& c : configs) distinct.insert(c.dump());
  EXPECT_EQ(configs.size(), 12u);
  EXPECT_EQ(distinct.size(), configs.size());
}

TEST_P(StrategyConformance, SameSeedAndHistoryGiveTheSameConfigs) {
  const Space space = Space::from_json(testing::mixed_space(), "space");
  auto one = make(space), two = make(space);
  EXPECT_EQ(run(*one, space, 15, mixed_loss), run(*two, space, 15, mixed_loss));
}

INSTANTIATE_TEST_SUITE_P(Registered, StrategyConformance, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace tune
