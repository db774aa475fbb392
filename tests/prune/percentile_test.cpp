#include "prune/percentile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scripted.h"

namespace tune {
namespace {

using namespace test;

TEST(PercentileOf, InterpolatesLinearlyBetweenOrderStatistics) {
  struct Case {
    std::vector<double> values;
    double p;
    double expected;
  };
  const std::vector<Case> cases = {
      {{4, 1, 3, 2}, 0, 1},
      {{4, 1, 3, 2}, 100, 4},
      {{4, 1, 3, 2}, 50, 2.5},
      {{4, 1, 3, 2}, 25, 1.75},
      {{1, 2, 3}, 25, 1.5},
      {{1, 2, 3}, 75, 2.5},
      {{7}, 30, 7},
      {{2, 2, 9}, 50, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("p " + std::to_string(c.p));
    EXPECT_DOUBLE_EQ(percentile_of(c.values, c.p), c.expected);
  }
}

TEST(PercentilePruner, DecidesAfterTheWarmUpEveryInterval) {
  struct Case {
    int warmup, interval;
    std::vector<int> epochs;  // the deciding epochs among 1..9
  };
  const std::vector<Case> cases = {
      {0, 1, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {2, 1, {3, 4, 5, 6, 7, 8, 9}},
      {0, 2, {2, 4, 6, 8}},
      {2, 3, {5, 8}},
  };
  for (const Case& c : cases) {
    PercentileOptions options;
    options.warmup_epochs = c.warmup;
    options.interval = c.interval;
    const PercentilePruner pruner(options);
    std::vector<int> epochs;
    for (int e = 1; e <= 9; ++e)
      if (pruner.decides_at(e)) epochs.push_back(e);
    EXPECT_EQ(epochs, c.epochs) << "warmup " << c.warmup << " interval " << c.interval;
  }
}

// Losses of three complete trials: medians 2.0, 1.6, 1.2 at epochs 1..3.
const std::vector<ScriptedTrial> kCompleteLosses = {
    {0, kComplete, {1.0, 0.8, 0.6}},
    {1, kComplete, {2.0, 1.6, 1.2}},
    {2, kComplete, {3.0, 2.4, 1.8}},
};

std::vector<ScriptedTrial> with(std::vector<ScriptedTrial> trials,
                                const std::vector<ScriptedTrial>& more) {
  trials.insert(trials.end(), more.begin(), more.end());
  return trials;
}

struct Scenario {
  std::string label;
  std::string name;  // median or percentile
  Json options;
  Direction direction;
  std::vector<ScriptedTrial> trials;
  Prunes expected;
};

TEST(PercentilePruner, PrunesScriptedCurves) {
  // Trial 3 is worse than the median at epochs 1 and 3 (its best so far, 1.5, beats 1.6 at 2);
  // trial 4 equals the median at epoch 1 (kept) and reports an epoch no complete trial reached.
  const std::vector<ScriptedTrial> running = {{3, kRunning, {2.5, 1.5, 1.3}},
                                              {4, kRunning, {2.0, 1.6, 1.2, 9.0}}};
  const auto losses = with(kCompleteLosses, running);
  const Json start3 = {{"startup_trials", 3}};
  const std::vector<Scenario> scenarios = {
      {"median", "median", start3, Direction::Minimize, losses, {{3, 1}, {3, 3}}},
      {"warm-up 1",
       "median",
       {{"startup_trials", 3}, {"warmup_epochs", 1}},
       Direction::Minimize,
       losses,
       {{3, 3}}},
      {"interval 2",
       "median",
       {{"startup_trials", 3}, {"interval", 2}},
       Direction::Minimize,
       losses,
       {}},
      {"warm-up 1 interval 2",
       "median",
       {{"startup_trials", 3}, {"warmup_epochs", 1}, {"interval", 2}},
       Direction::Minimize,
       losses,
       {{3, 3}}},
      {"before startup", "median", {{"startup_trials", 4}}, Direction::Minimize, losses, {}},
      {"default startup is 5", "median", Json::object(), Direction::Minimize, losses, {}},
      {"too few reported",
       "median",
       {{"startup_trials", 3}, {"min_trials", 4}},
       Direction::Minimize,
       losses,
       {}},
      {"pruned, failed and running trials are not the reference",
       "median",
       start3,
       Direction::Minimize,
       with(losses,
            {{5, kPruned, {0.1, 0.1, 0.1}}, {6, kFailed, {0.1, 0.1, 0.1}}, {7, kRunning, {9.0}}}),
       {{3, 1}, {3, 3}, {7, 1}}},
      {"median, maximize: best so far",
       "median",
       start3,
       Direction::Maximize,
       {{0, kComplete, {0.5, 0.6, 0.7}},
        {1, kComplete, {0.3, 0.4, 0.5}},
        {2, kComplete, {0.1, 0.2, 0.3}},
        {3, kRunning, {0.2, 0.45, 0.35}},
        {4, kRunning, {0.6, 0.1, 0.1}}},
       {{3, 1}, {3, 3}}},
      // 25th percentile of {1, 2, 3} is 1.5; for maximize the 75th, 2.5.
      {"percentile 25, minimize",
       "percentile",
       {{"startup_trials", 3}, {"percentile", 25}},
       Direction::Minimize,
       with(kCompleteLosses, {{3, kRunning, {1.4}}, {4, kRunning, {1.6}}}),
       {{4, 1}}},
      {"percentile 25, maximize",
       "percentile",
       {{"startup_trials", 3}, {"percentile", 25}},
       Direction::Maximize,
       with(kCompleteLosses, {{3, kRunning, {2.6}}, {4, kRunning, {2.4}}}),
       {{4, 1}}},
      {"percentile defaults to 25",
       "percentile",
       start3,
       Direction::Minimize,
       with(kCompleteLosses, {{3, kRunning, {1.4}}, {4, kRunning, {1.6}}}),
       {{4, 1}}},
      {"percentile 0 keeps only the best",
       "percentile",
       {{"startup_trials", 3}, {"percentile", 0}},
       Direction::Minimize,
       with(kCompleteLosses, {{3, kRunning, {1.0}}, {4, kRunning, {1.1}}}),
       {{4, 1}}},
      {"percentile 100 keeps all but the worst",
       "percentile",
       {{"startup_trials", 3}, {"percentile", 100}},
       Direction::Minimize,
       with(kCompleteLosses, {{3, kRunning, {3.0}}, {4, kRunning, {3.1}}}),
       {{4, 1}}},
      {"NaN: a diverged trial is pruned, NaN references are skipped",
       "median",
       start3,
       Direction::Minimize,
       with(kCompleteLosses,
            {{5, kComplete, {NAN, NAN, NAN}}, {3, kRunning, {NAN, 1.5}}, {4, kRunning, {2.0}}}),
       {{3, 1}}},
  };
  for (const Scenario& s : scenarios) {
    SCOPED_TRACE(s.label);
    const auto pruner = test::pruner(s.name, s.options);
    EXPECT_EQ(test::prunes_of(*pruner, s.trials, s.direction), s.expected);
  }
}

TEST(PercentilePruner, MedianIsPercentile50) {
  const auto median = test::pruner("median", {{"startup_trials", 2}});
  const auto p50 = test::pruner("percentile", {{"startup_trials", 2}, {"percentile", 50}});
  size_t pruned = 0;
  for (Direction direction : {Direction::Minimize, Direction::Maximize}) {
    for (int k = 0; k < 40; ++k) {
      // Curves that cross the median at varying epochs.
      std::vector<ScriptedTrial> trials;
      for (int t = 0; t < 5; ++t) {
        std::vector<double> curve;
        for (int e = 0; e < 4; ++e) curve.push_back(std::fmod((k + 3) * (t + 1) * (e + 2), 7.3));
        trials.push_back({t, t < 3 ? kComplete : kRunning, curve});
      }
      const Prunes prunes = test::prunes_of(*median, trials, direction);
      EXPECT_EQ(prunes, test::prunes_of(*p50, trials, direction));
      pruned += prunes.size();
    }
  }
  EXPECT_GT(pruned, 20u);  // the comparison is not between two empty sets
}

}  // namespace
}  // namespace tune
