#include "prune/curves.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tune {
namespace {

using Values = std::vector<std::pair<int, double>>;

TEST(LearningCurves, RecordsAndReplacesValues) {
  LearningCurves curves;
  curves.record(0, 1, 0.5);
  curves.record(0, 2, 0.4);
  curves.record(0, 1, 0.3);  // a later record for epoch 1 wins
  EXPECT_EQ(curves.curve(0), (std::map<int, double>{{1, 0.3}, {2, 0.4}}));
  EXPECT_EQ(curves.value(0, 1), 0.3);
  EXPECT_EQ(curves.value(0, 3), std::nullopt);
  EXPECT_TRUE(curves.curve(7).empty());
  EXPECT_EQ(curves.at(1), (Values{{0, 0.3}}));
}

TEST(LearningCurves, StatesDefaultToRunningAndAreCounted) {
  LearningCurves curves;
  curves.record(0, 1, 1.0);  // reported, no state: running
  curves.set_state(1, TrialState::Complete);
  curves.set_state(2, TrialState::Complete);
  curves.set_state(3, TrialState::Pruned);
  curves.set_state(4, TrialState::Running);
  EXPECT_EQ(curves.state(0), TrialState::Running);
  EXPECT_EQ(curves.state(9), TrialState::Running);
  EXPECT_EQ(curves.count(TrialState::Running), 2);
  EXPECT_EQ(curves.count(TrialState::Complete), 2);
  EXPECT_EQ(curves.count(TrialState::Pruned), 1);
  EXPECT_EQ(curves.count(TrialState::Failed), 0);
  curves.set_state(4, TrialState::Failed);
  EXPECT_EQ(curves.count(TrialState::Running), 1);
  EXPECT_EQ(curves.count(TrialState::Failed), 1);
}

TEST(LearningCurves, AtListsTrialsByNumberOptionallyByState) {
  LearningCurves curves;
  curves.record(3, 2, 0.3);
  curves.record(1, 2, 0.1);
  curves.record(2, 1, 0.2);
  curves.set_state(1, TrialState::Complete);
  curves.set_state(3, TrialState::Failed);
  EXPECT_EQ(curves.at(2), (Values{{1, 0.1}, {3, 0.3}}));
  EXPECT_EQ(curves.at(2, TrialState::Complete), (Values{{1, 0.1}}));
  EXPECT_EQ(curves.at(2, TrialState::Running), Values{});
  EXPECT_EQ(curves.at(5), Values{});
}

TEST(LearningCurves, BestUntilInBothDirections) {
  LearningCurves curves;
  const std::vector<double> values = {0.5, 0.2, 0.9, 0.4};
  for (size_t i = 0; i < values.size(); ++i) curves.record(0, static_cast<int>(i) + 1, values[i]);
  struct Case {
    int epoch;
    Direction direction;
    std::optional<double> best;
  };
  const std::vector<Case> cases = {
      {0, Direction::Minimize, std::nullopt}, {1, Direction::Minimize, 0.5},
      {2, Direction::Minimize, 0.2},          {4, Direction::Minimize, 0.2},
      {1, Direction::Maximize, 0.5},          {2, Direction::Maximize, 0.5},
      {3, Direction::Maximize, 0.9},          {10, Direction::Maximize, 0.9},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("epoch " + std::to_string(c.epoch) + " " + to_string(c.direction));
    EXPECT_EQ(curves.best_until(0, c.epoch, c.direction), c.best);
  }
  EXPECT_EQ(curves.best_until(5, 3, Direction::Minimize), std::nullopt);
}

TEST(LearningCurves, BestUntilSkipsNaN) {
  LearningCurves curves;
  curves.record(0, 1, NAN);
  curves.record(0, 2, 0.7);
  curves.record(0, 3, NAN);
  EXPECT_TRUE(std::isnan(*curves.best_until(0, 1, Direction::Minimize)));
  EXPECT_EQ(curves.best_until(0, 3, Direction::Minimize), 0.7);
  EXPECT_EQ(curves.best_until(0, 3, Direction::Maximize), 0.7);
}

}  // namespace
}  // namespace tune
