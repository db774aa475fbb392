// What the surrogate learns from a history: complete trials at their values, pruned trials at
// their last value moved by what complete trials gained after that epoch, never better than the
// median complete one; running trials pending.
#include <gtest/gtest.h>

#include <cmath>

#include "prune/curves.h"
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

TEST(Observations, CurvesMovePrunedValuesToTheScaleOfFinalOnes) {
  const Space space = one_int();
  // Maximising an accuracy over 3 epochs. Complete trials gained 0.20, 0.10 and 0.30 after
  // epoch 1 (median 0.20) and 0.05, 0.05 and 0.10 after epoch 2 (median 0.05).
  LearningCurves curves;
  const double complete[3][3] = {{0.5, 0.65, 0.7}, {0.7, 0.75, 0.8}, {0.3, 0.5, 0.6}};
  std::vector<TrialSnapshot> history;
  for (int n = 0; n < 3; ++n) {
    for (int e = 0; e < 3; ++e) curves.record(n, e + 1, complete[n][e]);
    history.push_back(trial(n, TrialState::Complete, complete[n][2]));
  }
  curves.record(3, 1, 0.2);  // pruned at epoch 1: 0.2 + 0.2
  curves.record(4, 1, 0.3);
  curves.record(4, 2, 0.45);  // pruned at epoch 2: 0.45 + 0.05
  curves.record(5, 1, 0.6);   // 0.6 + 0.2 = 0.8: better than the median final (0.7), so 0.7
  curves.record(6, 4, 0.1);   // an epoch no complete trial reported: its value as it is
  history.push_back(trial(3, TrialState::Pruned, 0.2));
  history.push_back(trial(4, TrialState::Pruned, 0.45));
  history.push_back(trial(5, TrialState::Pruned, 0.6));
  history.push_back(trial(6, TrialState::Pruned, 0.1));
  const std::map<int, double> y =
      targets(space, collect_observations(space, history, Direction::Maximize, &curves));
  EXPECT_NEAR(y.at(3), -0.4, 1e-12);
  EXPECT_NEAR(y.at(4), -0.5, 1e-12);
  EXPECT_NEAR(y.at(5), -0.7, 1e-12);
  EXPECT_NEAR(y.at(6), -0.1, 1e-12);
  // Without curves (a caller that has none) the last values count as they are.
  const std::map<int, double> raw =
      targets(space, collect_observations(space, history, Direction::Maximize));
  EXPECT_NEAR(raw.at(3), -0.2, 1e-12);
  EXPECT_NEAR(raw.at(4), -0.45, 1e-12);
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
