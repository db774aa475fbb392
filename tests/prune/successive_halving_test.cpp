#include "prune/successive_halving.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scripted.h"

namespace tune {
namespace {

using namespace test;

TEST(AshaRungs, AreMinEpochsTimesPowersOfEtaBelowTheBudget) {
  struct Case {
    int min_epochs, eta, max_epochs;
    std::vector<int> rungs;
  };
  const std::vector<Case> cases = {
      {1, 3, 27, {1, 3, 9}},  // 27 is the budget itself: no rung there
      {1, 3, 28, {1, 3, 9, 27}},
      {1, 2, 10, {1, 2, 4, 8}},
      {2, 2, 10, {2, 4, 8}},
      {3, 4, 100, {3, 12, 48}},
      {5, 3, 5, {}},
      {5, 3, 4, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.min_epochs) + " " + std::to_string(c.eta) + " " +
                 std::to_string(c.max_epochs));
    EXPECT_EQ(asha_rungs(c.min_epochs, c.eta, c.max_epochs), c.rungs);
    std::vector<int> marked;
    for (int e = 1; e <= std::min(c.max_epochs, 1000); ++e)
      if (is_asha_rung(e, c.min_epochs, c.eta, c.max_epochs)) marked.push_back(e);
    std::vector<int> low;
    for (int r : c.rungs)
      if (r <= 1000) low.push_back(r);
    EXPECT_EQ(marked, low);
  }
  // Near INT_MAX the next rung must not overflow before the loop sees it pass the budget.
  const std::vector<int> wide = asha_rungs(1, 2, 2147483647);
  EXPECT_EQ(wide.size(), 31u);
  EXPECT_EQ(wide.back(), 1073741824);
  EXPECT_FALSE(is_asha_rung(2147483647, 1, 2, std::nullopt));
  // No budget: the rungs go on.
  EXPECT_TRUE(is_asha_rung(81, 1, 3, std::nullopt));
  EXPECT_TRUE(is_asha_rung(6561, 1, 3, std::nullopt));
  EXPECT_FALSE(is_asha_rung(80, 1, 3, std::nullopt));
}

TEST(SurvivesRung, KeepsTheTopOneOverEtaWithTiesGoingOn) {
  struct Case {
    std::string label;
    double value;
    std::vector<double> competitors;  // the value's own included
    int eta;
    Direction direction;
    bool survives;
  };
  const auto min = Direction::Minimize;
  const auto max = Direction::Maximize;
  const std::vector<Case> cases = {
      {"alone", 9, {9}, 3, min, true},
      {"two, best", 1, {1, 2}, 3, min, true},
      {"two, not best", 2, {1, 2}, 3, min, false},
      {"six, eta 3: second of six goes on", 2, {1, 2, 3, 4, 5, 6}, 3, min, true},
      {"six, eta 3: third of six stops", 3, {1, 2, 3, 4, 5, 6}, 3, min, false},
      {"maximize", 5, {1, 2, 3, 4, 5, 6}, 3, max, true},
      {"maximize, third", 4, {1, 2, 3, 4, 5, 6}, 3, max, false},
      {"tie at the cut: both go on", 2, {1, 2, 2, 3}, 2, min, true},
      {"all tied", 1, {1, 1, 1, 1}, 2, min, true},
      {"NaN value stops", NAN, {NAN, 1}, 2, min, false},
      {"NaN competitor never better", 5, {NAN, NAN, 5}, 3, min, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(survives_rung(c.value, c.competitors, c.eta, c.direction), c.survives);
  }
}

struct Scenario {
  std::string label;
  Json options;
  Direction direction;
  std::optional<int> max_epochs;  // the trials' epoch budget
  std::vector<ScriptedTrial> trials;
  Prunes expected;
};

void expect_prunes(const std::string& name, const std::vector<Scenario>& scenarios) {
  for (const Scenario& s : scenarios) {
    SCOPED_TRACE(name + ": " + s.label);
    const auto pruner = test::pruner(name, s.options);
    EXPECT_EQ(test::prunes_of(*pruner, s.trials, s.direction, s.max_epochs), s.expected);
  }
}

TEST(AshaPruner, PrunesScriptedCurves) {
  const auto min = Direction::Minimize;
  const Json eta2 = {{"reduction_factor", 2}};
  const std::vector<double> good = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  const std::vector<double> bad = {2, 2, 2, 2, 2, 2, 2, 2, 2};
  const std::vector<Scenario> scenarios = {
      {"the first trial at a rung goes on", Json::object(), min, 9, {{0, kRunning, {100}}}, {}},
      {"eta 3, two trials: only the best goes on",
       Json::object(),
       min,
       9,
       {{0, kComplete, {1}}, {1, kRunning, {2}}, {2, kRunning, {0.5}}},
       {{1, 1}}},
      // Seven at epoch 1 (5 4 3 2 1 complete; 1.5 and 2.5 running): the best two go on, ties
      // aside. At epoch 3 six: trial 5 is second.
      {"eta 3: top third at rungs 1 and 3, none at 9 (the budget)",
       Json::object(),
       min,
       9,
       {{0, kComplete, {5, 5, 4, 4, 4, 4, 4, 4, 4}},
        {1, kComplete, {4, 4, 3, 3, 3, 3, 3, 3, 3}},
        {2, kComplete, {3, 3, 2, 2, 2, 2, 2, 2, 2}},
        {3, kComplete, {2, 2, 1, 1, 1, 1, 1, 1, 1}},
        {4, kComplete, {1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1}},
        {5, kRunning, {1.5, 9, 0.7, 9, 9, 9, 9, 9, 9}},
        {6, kRunning, {2.5}}},
       {{6, 1}}},
      {"ties at the cut both go on",
       eta2,
       min,
       9,
       {{0, kComplete, {1}}, {1, kComplete, {2}}, {2, kRunning, {2}}, {3, kRunning, {3}}},
       {{3, 1}}},
      {"failed trials do not compete",
       eta2,
       min,
       9,
       {{0, kFailed, {0}}, {1, kRunning, {1}}, {2, kRunning, {2}}},
       {{2, 1}}},
      {"pruned trials compete", eta2, min, 9, {{0, kPruned, {0.5}}, {1, kRunning, {1}}}, {{1, 1}}},
      {"decides only at rungs (min 2, eta 2: 2 and 4 below 8)",
       {{"min_epochs", 2}, {"reduction_factor", 2}},
       min,
       8,
       {{0, kComplete, good}, {1, kRunning, bad}},
       {{1, 2}, {1, 4}}},
      {"no budget: rungs without end",
       eta2,
       min,
       std::nullopt,
       {{0, kComplete, good}, {1, kRunning, bad}},
       {{1, 1}, {1, 2}, {1, 4}, {1, 8}}},
      {"the max_epochs option overrides the trial's budget",
       {{"reduction_factor", 2}, {"max_epochs", 4}},
       min,
       100,
       {{0, kComplete, good}, {1, kRunning, bad}},
       {{1, 1}, {1, 2}}},
      {"maximize",
       eta2,
       Direction::Maximize,
       9,
       {{0, kComplete, {0.9}}, {1, kRunning, {0.8}}, {2, kRunning, {0.95}}},
       {{1, 1}}},
      {"the rung value counts, not the best so far",
       eta2,
       min,
       9,
       {{0, kComplete, {2, 2}}, {1, kRunning, {1, 3}}},
       {{1, 2}}},
  };
  expect_prunes("asha", scenarios);
}

TEST(HyperbandBrackets, FollowLiEtAl) {
  struct Case {
    int min_epochs, eta, max_epochs;
    int s_max;
    std::vector<int> first_rungs;
    std::vector<long long> weights;
  };
  const std::vector<Case> cases = {
      // Li et al.'s table for R = 81, eta = 3: n = 81, 34, 15, 8, 5.
      {1, 3, 81, 4, {1, 3, 9, 27, 81}, {81, 34, 15, 8, 5}},
      {1, 3, 80, 3, {1, 3, 9, 27}, {27, 12, 6, 4}},
      {1, 3, 9, 2, {1, 3, 9}, {9, 5, 3}},
      {3, 3, 81, 3, {3, 9, 27, 81}, {27, 12, 6, 4}},
      {1, 2, 8, 3, {1, 2, 4, 8}, {8, 6, 4, 4}},
      {1, 3, 243, 5, {1, 3, 9, 27, 81, 243}, {243, 98, 41, 18, 9, 6}},
      {1, 3, 2, 0, {1}, {1}},
      {5, 3, 2, 0, {5}, {1}},  // R < r: one bracket that never prunes
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.min_epochs) + " " + std::to_string(c.eta) + " " +
                 std::to_string(c.max_epochs));
    EXPECT_EQ(hyperband_s_max(c.min_epochs, c.eta, c.max_epochs), c.s_max);
    std::vector<int> first_rungs;
    std::vector<long long> weights;
    for (const HyperbandBracket& b : hyperband_brackets(c.min_epochs, c.eta, c.max_epochs)) {
      first_rungs.push_back(b.min_epochs);
      weights.push_back(b.weight);
    }
    EXPECT_EQ(first_rungs, c.first_rungs);
    EXPECT_EQ(weights, c.weights);
  }
}

TEST(HyperbandBrackets, AssignmentIsDeterministicAndFollowsTheWeights) {
  const std::vector<HyperbandBracket> brackets = hyperband_brackets(1, 3, 81);
  const int trials = 143000;  // the weights sum to 143
  std::vector<int> counts(brackets.size(), 0);
  for (int t = 0; t < trials; ++t) {
    const int b = hyperband_bracket_of(t, brackets);
    ASSERT_EQ(b, hyperband_bracket_of(t, brackets));
    ASSERT_GE(b, 0);
    ASSERT_LT(b, static_cast<int>(brackets.size()));
    ++counts[b];
  }
  for (size_t b = 0; b < brackets.size(); ++b) {
    const double expected = trials / 143.0 * static_cast<double>(brackets[b].weight);
    EXPECT_NEAR(counts[b], expected, 0.05 * expected + 100) << "bracket " << b;
  }
  // Consecutive trial numbers spread over brackets rather than filling one after another.
  std::set<int> first_ten;
  for (int t = 0; t < 10; ++t) first_ten.insert(hyperband_bracket_of(t, brackets));
  EXPECT_GE(first_ten.size(), 3u);
}

// The first trial numbers that land in each bracket of (1, 3, 9): brackets 0 (rungs 1 and 3),
// 1 (rung 3) and 2 (no rung below 9).
std::vector<std::vector<int>> trials_by_bracket(int per_bracket) {
  const auto brackets = hyperband_brackets(1, 3, 9);
  std::vector<std::vector<int>> out(brackets.size());
  const auto short_of = [&](const std::vector<int>& trials) {
    return static_cast<int>(trials.size()) < per_bracket;
  };
  for (int t = 0; short_of(out[0]) || short_of(out[1]) || short_of(out[2]); ++t) {
    std::vector<int>& mine = out[hyperband_bracket_of(t, brackets)];
    if (short_of(mine)) mine.push_back(t);
  }
  return out;
}

TEST(HyperbandPruner, CompetesWithinBrackets) {
  const auto by_bracket = trials_by_bracket(3);
  const int a0 = by_bracket[0][0], a1 = by_bracket[0][1];
  const int b0 = by_bracket[1][0], b1 = by_bracket[1][1], b2 = by_bracket[1][2];
  const int c0 = by_bracket[2][0];
  // Bracket 0's trials are far better than the others: ASHA over all trials would stop b1, b2
  // and c0, Hyperband compares b1 and b2 with b0 alone and never stops c0.
  const std::vector<ScriptedTrial> trials = {
      {a0, kComplete, {0.1, 0.1, 0.1, 0.1}}, {a1, kRunning, {0.2, 0.2, 0.05, 0.05}},
      {b0, kComplete, {5, 5, 3, 3}},         {b1, kRunning, {9, 9, 4, 4}},
      {b2, kRunning, {9, 9, 2, 2}},          {c0, kRunning, {50, 50, 50, 50}},
  };
  const std::vector<Scenario> scenarios = {
      {"brackets from the trial's budget",
       Json::object(),
       Direction::Minimize,
       9,
       trials,
       {{a1, 1}, {b1, 3}}},
      {"brackets from max_epochs",
       {{"max_epochs", 9}},
       Direction::Minimize,
       std::nullopt,
       trials,
       {{a1, 1}, {b1, 3}}},
      {"no budget known: no pruning",
       Json::object(),
       Direction::Minimize,
       std::nullopt,
       trials,
       {}},
  };
  expect_prunes("hyperband", scenarios);
  expect_prunes("asha", {{"one bracket for comparison",
                          Json::object(),
                          Direction::Minimize,
                          9,
                          trials,
                          {{b1, 1}, {b1, 3}, {b2, 1}, {b2, 3}, {c0, 1}, {c0, 3}}}});
}

}  // namespace
}  // namespace tune
