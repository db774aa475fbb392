// Strategy::propose_batch, run against every registered strategy: a batch is n distinct, valid
// configs (int, categorical and conditional parameters), before and after a model-based
// strategy has enough history to fit; a grid hands out its next points and stops at its end.
#include <gtest/gtest.h>

#include <set>

#include "../support/proposals.h"
#include "../support/spaces.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace tune {
namespace {

std::unique_ptr<Strategy> make(const std::string& name) {
  Json options = Json::object();
  if (name == "bayes") options["threads"] = 1;
  return make_strategy(name, options, "strategy");
}

// `n` trials proposed one by one and completed with a made-up loss.
std::vector<TrialSnapshot> finished_history(Strategy& strategy, const Space& space, int n) {
  std::vector<TrialSnapshot> history;
  for (int k = 0; k < n; ++k) {
    std::optional<Config> c = strategy.propose({space, history, k, 5, Direction::Minimize});
    if (!c) break;
    TrialSnapshot t;
    t.number = k;
    t.state = TrialState::Complete;
    t.params = *c;
    t.value = static_cast<double>((k * 7) % 5) + (c->value("act", "") == "tanh" ? 0.5 : 0.0);
    t.end_time = k + 1;
    history.push_back(t);
  }
  return history;
}

void expect_distinct_valid(const Space& space, const std::vector<Config>& batch,
                           const std::vector<TrialSnapshot>& history) {
  std::set<std::string> seen;
  for (const TrialSnapshot& t : history) seen.insert(t.params.dump());
  for (const Config& c : batch) {
    testing::expect_valid_proposal(space, c);
    EXPECT_TRUE(seen.insert(c.dump()).second) << "proposed twice: " << c.dump();
  }
}

class BatchAsk : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchAsk, GivesDistinctValidConfigsWithAndWithoutHistory) {
  const Space space = Space::from_json(testing::mixed_space(), "space");
  for (int done : {0, 16}) {
    auto strategy = make(GetParam());
    const std::vector<TrialSnapshot> history = finished_history(*strategy, space, done);
    const std::vector<Config> batch =
        strategy->propose_batch({space, history, done, 5, Direction::Minimize}, 6);
    EXPECT_EQ(batch.size(), 6u) << "after " << done << " trials";
    expect_distinct_valid(space, batch, history);
  }
}

TEST_P(BatchAsk, SmallDiscreteSpaceGetsDistinctConfigsUntilItIsSpent) {
  const Space space = Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 1, "high": 3},
                     "b": {"type": "categorical", "choices": ["x", "y"]}})"),
                                       "space");
  auto strategy = make(GetParam());
  const std::vector<TrialSnapshot> history = finished_history(*strategy, space, 2);
  const std::vector<Config> batch =
      strategy->propose_batch({space, history, 2, 5, Direction::Minimize}, 10);
  EXPECT_EQ(batch.size(), 4u);  // the 6 configs less the 2 tried
  expect_distinct_valid(space, batch, history);
}

INSTANTIATE_TEST_SUITE_P(Registered, BatchAsk, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(GridBatch, GivesTheNextPointsInOrderAndStopsAtCapacity) {
  const Space space =
      Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 1, "high": 5}})"), "space");
  auto strategy = make("grid");
  const std::vector<TrialSnapshot> history = finished_history(*strategy, space, 1);
  std::vector<Config> batch =
      strategy->propose_batch({space, history, 1, 5, Direction::Minimize}, 3);
  ASSERT_EQ(batch.size(), 3u);
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i]["a"], static_cast<int>(i) + 2);
  std::vector<TrialSnapshot> more = history;
  for (size_t i = 0; i < batch.size(); ++i) {
    TrialSnapshot t;
    t.number = static_cast<int>(more.size());
    t.params = batch[i];
    more.push_back(t);  // running
  }
  batch = strategy->propose_batch({space, more, 4, 5, Direction::Minimize}, 3);
  ASSERT_EQ(batch.size(), 1u);  // only a = 5 is left of the 5 points
  EXPECT_EQ(batch[0]["a"], 5);
  EXPECT_EQ(*strategy->capacity(space), 5u);
}

}  // namespace
}  // namespace tune
