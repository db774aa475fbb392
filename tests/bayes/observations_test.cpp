// What the surrogate learns from a history: complete trials at their values, pruned trials at
// their last value but never better than the median complete one, running trials pending.
#include <gtest/gtest.h>

#include <cmath>

#include "space/space.h"
#include "strategy/bayes/observations.h"

namespace tune::bayes {
namespace {

Space one_int() {
  return Space::from_json(Json::parse(R"({"a": {"type": "int", "low": 0, "high": 9}})"), "test");
}

TrialSnapshot trial(int number, TrialState state, std::optional<double> value) {
  TrialSnapshot t;
  t.number = number;
  t.state = state;
  t.params = Config{{"a", number}};
  t.value = value;
  t.end_time = state == TrialState::Running ? 0 : number + 1;
  return t;
}

// The targets by the value of "a" (each trial's own number).
std::map<int, double> targets(const Space& space, const Observations& obs) {
  std::map<int, double> out;
  for (size_t i = 0; i < obs.y.size(); ++i)
    out[space.decode({obs.x.row(i), obs.x.row(i) + obs.x.cols}).at("a").get<int>()] = obs.y[i];
  return out;
}

TEST(Observations, PrunedTrialsCountAtTheirLastValueCappedAtTheMedian) {
  const Space space = one_int();
  // Maximising: complete 0.8, 0.7, 0.6 are targets -0.8, -0.7, -0.6, whose median is -0.7.
  const std::vector<TrialSnapshot> history = {
      trial(0, TrialState::Complete, 0.8),       trial(1, TrialState::Complete, 0.7),
      trial(2, TrialState::Complete, 0.6),       trial(3, TrialState::Pruned, 0.3),
      trial(4, TrialState::Pruned, 0.75),        trial(5, TrialState::Pruned, std::nullopt),
      trial(6, TrialState::Pruned, NAN),         trial(7, TrialState::Running, std::nullopt),
      trial(8, TrialState::Failed, std::nullopt)};
  const Observations obs = collect_observations(space, history, Direction::Maximize);
  const std::map<int, double> y = targets(space, obs);
  EXPECT_EQ(y, (std::map<int, double>{{0, -0.8},
                                      {1, -0.7},
                                      {2, -0.6},
                                      {3, -0.3},     // behind by far: its own partial value
                                      {4, -0.7},     // ahead of the median when pruned: the median
                                      {5, -0.6},     // no value: the worst complete one
                                      {6, -0.6}}));  // a diverged (NaN) one likewise
  EXPECT_EQ(obs.pending.rows, 1u);
  EXPECT_EQ(obs.seen.size(), 9u);  // the failed trial's config is not proposed again either
}

TEST(Observations, MinimisingKeepsTheSignAndEvenCountsTakeTheLowerMiddle) {
  const Space space = one_int();
  const std::vector<TrialSnapshot> history = {
      trial(0, TrialState::Complete, 1.0), trial(1, TrialState::Complete, 2.0),
      trial(2, TrialState::Complete, 3.0), trial(3, TrialState::Complete, 4.0),
      trial(4, TrialState::Pruned, 9.0),   trial(5, TrialState::Pruned, 0.5)};
  const std::map<int, double> y =
      targets(space, collect_observations(space, history, Direction::Minimize));
  EXPECT_DOUBLE_EQ(y.at(4), 9.0);  // a partial loss far above the others: kept
  EXPECT_DOUBLE_EQ(y.at(5), 2.0);  // a partial loss below all: never better than the median
}

TEST(Observations, PrunedBeforeAnyCompleteArePendingOnly) {
  const Space space = one_int();
  const Observations obs = collect_observations(
      space, {trial(0, TrialState::Pruned, 0.4), trial(1, TrialState::Pruned, 0.2)},
      Direction::Maximize);
  EXPECT_TRUE(obs.y.empty());
  EXPECT_EQ(obs.pending.rows, 2u);
  EXPECT_EQ(obs.seen.size(), 2u);
}

}  // namespace
}  // namespace tune::bayes
