// Trials arriving one after another, epoch by epoch, each report recorded and then judged, as a
// study runs them: the (trial, epoch) prunes of every pruner.
#include <gtest/gtest.h>

#include "prune/successive_halving.h"
#include "scripted.h"

namespace tune {
namespace {

using test::Prunes;

struct Simulation {
  std::string label;
  std::string name;
  Json options;
  Direction direction;
  std::optional<int> max_epochs;
  std::vector<std::vector<double>> curves;  // trial t's values at epochs 1, 2...
  Prunes expected;
};

TEST(PrunerSimulation, TrialsOneAfterAnother) {
  const auto min = Direction::Minimize;
  const std::vector<Simulation> simulations = {
      // Medians of the complete trials: {0, 1} until trial 4 completes, then {0, 1, 4}.
      {"median",
       "median",
       {{"startup_trials", 2}},
       min,
       4,
       {{4, 3, 2, 1},
        {5, 4, 3, 2},
        {4.6, 3.2, 2.9, 2.5},  // 4.6 > 4.5 at epoch 1
        {4.4, 3.6, 1.9, 0.5},  // 3.6 > 3.5 at epoch 2
        {3, 2, 1, 0},
        {4.5, 3.4, 2.0, 1.5}},  // 4.5 > 4 (median of 4, 5, 3)
       {{2, 1}, {3, 2}, {5, 1}}},
      // 75th percentile of the complete accuracies: 0.45, 0.55, 0.65 at epochs 1..3 with
      // trials 0 and 1, then 0.55 at epoch 1 once trial 3 completes.
      {"percentile 25, maximize",
       "percentile",
       {{"startup_trials", 2}, {"percentile", 25}},
       Direction::Maximize,
       3,
       {{0.5, 0.6, 0.7}, {0.3, 0.4, 0.5}, {0.46, 0.5, 0.9}, {0.6, 0.62, 0.65}, {0.54, 0.9, 0.9}},
       {{2, 2}, {4, 1}}},
      // Rungs 1 and 2 (eta 2, budget 4): the top half of the trials at each goes on.
      {"asha",
       "asha",
       {{"reduction_factor", 2}},
       min,
       4,
       {{4, 3, 2, 1},
        {5, 2.5, 2, 1.5},  // second of two at epoch 1
        {3, 2.8, 2, 1.5},
        {3.5, 3.1, 1, 1},  // second of four at epoch 1 (goes on), last of three at 2
        {4.5, 1, 1, 1}},   // fourth of five at epoch 1
       {{1, 1}, {3, 2}, {4, 1}}},
  };
  for (const Simulation& s : simulations) {
    SCOPED_TRACE(s.label);
    const auto pruner = test::pruner(s.name, s.options);
    EXPECT_EQ(test::simulate(*pruner, s.curves, s.direction, s.max_epochs), s.expected);
  }
}

TEST(PrunerSimulation, HyperbandTrialsOneAfterAnother) {
  // Budget 9, eta 3: bracket 0 has rungs 1 and 3, bracket 1 rung 3, bracket 2 none.
  const auto brackets = hyperband_brackets(1, 3, 9);
  std::vector<int> bracket_of;
  for (int t = 0; t < 8; ++t) bracket_of.push_back(hyperband_bracket_of(t, brackets));
  ASSERT_EQ(bracket_of, (std::vector<int>{1, 1, 2, 0, 1, 1, 2, 0}));  // splitmix64's hash
  const std::vector<std::vector<double>> curves = {
      {5, 4, 3, 2},      // bracket 1: alone at epoch 3
      {6, 5, 4, 3},      // bracket 1: behind trial 0 at epoch 3
      {9, 9, 9, 9},      // bracket 2: never judged
      {8, 7, 6, 5},      // bracket 0: alone at its rungs, though worse than trials 0 and 1
      {7, 6, 3.5, 1},    // bracket 1: no rung at epoch 1; third of three at epoch 3
      {4, 3, 2.5, 2},    // bracket 1: best of four at epoch 3
      {10, 10, 10, 10},  // bracket 2
      {8.5, 1, 1, 1},    // bracket 0: behind trial 3 at epoch 1
  };
  const auto pruner = test::pruner("hyperband", Json::object());
  EXPECT_EQ(test::simulate(*pruner, curves, Direction::Minimize, 9),
            (Prunes{{1, 3}, {4, 3}, {7, 1}}));
}

}  // namespace
}  // namespace tune
