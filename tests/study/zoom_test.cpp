// tune zoom's narrowing: each kind of parameter, conditions, the top trials and the name.
#include "study/zoom.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../support/spaces.h"
#include "common/error.h"
#include "space/space.h"

namespace tune {
namespace {

// Complete trials with these params; values 0, 1, 2, ... so that minimizing ranks them in order.
std::vector<TrialSnapshot> trials_with(const std::vector<Json>& params) {
  std::vector<TrialSnapshot> trials;
  for (size_t i = 0; i < params.size(); ++i) {
    TrialSnapshot t;
    t.number = static_cast<int>(i);
    t.state = TrialState::Complete;
    t.params = params[i];
    t.value = static_cast<double>(i);
    trials.push_back(t);
  }
  return trials;
}

// The narrowed space of `space` around all of `params` (margin 0.1), checked to parse.
Json zoomed(const Json& space, const std::vector<Json>& params, double margin = 0.1) {
  Json experiment = {{"name", "e"}, {"space", space}};
  ZoomResult result = zoom_experiment(experiment, trials_with(params), margin, "test");
  Space::from_json(result.experiment["space"], "zoomed");
  return result.experiment["space"];
}

Json param(const Json& spec) {
  return {{"p", spec}};
}

TEST(Zoom, FloatBecomesTheTopSpanWidenedByTheMargin) {
  Json space = param({{"type", "float"}, {"low", 0.0}, {"high", 10.0}});
  Json z = zoomed(space, {{{"p", 2.0}}, {{"p", 4.0}}});
  EXPECT_DOUBLE_EQ(z["p"]["low"].get<double>(), 1.8);
  EXPECT_DOUBLE_EQ(z["p"]["high"].get<double>(), 4.2);
}

TEST(Zoom, ZeroSpanWidensByTheMarginOfTheOldRangeAndClipsToIt) {
  Json space = param({{"type", "float"}, {"low", 0.0}, {"high", 10.0}});
  Json z = zoomed(space, {{{"p", 5.0}}, {{"p", 5.0}}});
  EXPECT_DOUBLE_EQ(z["p"]["low"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(z["p"]["high"].get<double>(), 6.0);
  z = zoomed(space, {{{"p", 0.0}}, {{"p", 1.0}}}, 0.5);
  EXPECT_DOUBLE_EQ(z["p"]["low"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(z["p"]["high"].get<double>(), 1.5);
}

TEST(Zoom, ValuesOutsideTheStoredDomainAreLeftOut) {
  Json space = param({{"type", "float"}, {"low", 0.0}, {"high", 10.0}});
  Json z = zoomed(space, {{{"p", 2.0}}, {{"p", 4.0}}, {{"p", 50.0}}, {{"p", "text"}}});
  EXPECT_DOUBLE_EQ(z["p"]["low"].get<double>(), 1.8);
  EXPECT_DOUBLE_EQ(z["p"]["high"].get<double>(), 4.2);
}

TEST(Zoom, LogFloatWidensOnTheLogScale) {
  Json space = param({{"type", "float"}, {"low", 1e-5}, {"high", 1.0}, {"log", true}});
  Json z = zoomed(space, {{{"p", 1e-3}}, {{"p", 1e-2}}});
  EXPECT_NEAR(z["p"]["low"].get<double>(), 1e-3 / std::pow(10.0, 0.1), 1e-12);
  EXPECT_NEAR(z["p"]["high"].get<double>(), 1e-2 * std::pow(10.0, 0.1), 1e-12);
  EXPECT_TRUE(z["p"]["log"].get<bool>());
}

TEST(Zoom, IntRoundsOutward) {
  Json space = param({{"type", "int"}, {"low", 1}, {"high", 100}});
  Json z = zoomed(space, {{{"p", 10}}, {{"p", 15}}});  // [9.5, 15.5]
  EXPECT_EQ(z["p"]["low"], 9);
  EXPECT_EQ(z["p"]["high"], 16);
  EXPECT_TRUE(z["p"]["low"].is_number_integer());
}

TEST(Zoom, StepKeepsItsStepAndTheOldGrid) {
  Json space = param({{"type", "int"}, {"low", 3}, {"high", 43}, {"step", 10}});
  Json z = zoomed(space, {{{"p", 13}}, {{"p", 23}}});  // [12, 24] -> the grid 3, 13, 23, 33, 43
  EXPECT_EQ(z["p"]["low"], 3);
  EXPECT_EQ(z["p"]["high"], 33);
  EXPECT_EQ(z["p"]["step"], 10);
  Json floats = param({{"type", "float"}, {"low", 0.0}, {"high", 1.0}, {"step", 0.1}});
  z = zoomed(floats, {{{"p", 0.3}}, {{"p", 0.5}}});  // [0.28, 0.52]
  EXPECT_EQ(z["p"]["low"].get<double>(), 0.2);
  EXPECT_EQ(z["p"]["high"].get<double>(), 0.6);
}

TEST(Zoom, Pow2BoundsStayPowersOfTwo) {
  Json space = param({{"type", "pow2"}, {"low", 1}, {"high", 1024}});
  Json z = zoomed(space, {{{"p", 16}}, {{"p", 64}}});  // 16 / 2^0.2 and 64 * 2^0.2
  EXPECT_EQ(z["p"]["low"], 8);
  EXPECT_EQ(z["p"]["high"], 128);
  EXPECT_EQ(z["p"]["type"], "pow2");
  z = zoomed(space, {{{"p", 1}}, {{"p", 1024}}});
  EXPECT_EQ(z["p"]["low"], 1);
  EXPECT_EQ(z["p"]["high"], 1024);
}

TEST(Zoom, FloatGridValuesKeepThoseInTheNewRange) {
  Json space = param({{"type", "float"}, {"values", {0.1, 0.2, 0.5, 1.0, 2.0}}});
  Json z = zoomed(space, {{{"p", 0.2}}, {{"p", 0.5}}});  // [0.17, 0.53]
  EXPECT_EQ(z["p"]["values"], Json({0.2, 0.5}));
  EXPECT_FALSE(z["p"].contains("low"));
}

TEST(Zoom, CategoricalKeepsTheChoicesTheTopTrialsTookInOrder) {
  Json space = param({{"type", "categorical"}, {"choices", {"a", "b", "c", "d"}}});
  Json z = zoomed(space, {{{"p", "d"}}, {{"p", "b"}}, {{"p", "d"}}});
  EXPECT_EQ(z["p"]["choices"], Json({"b", "d"}));
}

// The optimizer space, with a knob under beta.
Json conditional_space() {
  Json space = testing::optimizer_space();
  space["beta_decay"] = {
      {"type", "float"}, {"low", 0.0}, {"high", 1.0}, {"when", {{"beta", {{">", 0.5}}}}}};
  return space;
}

TEST(Zoom, ConditionalParamsNarrowFromTheTrialsWhereTheyAreActive) {
  Json z = zoomed(conditional_space(), {{{"optimizer", "sgd"}, {"momentum", 0.5}},
                                        {{"optimizer", "sgd"}, {"momentum", 0.7}}});
  EXPECT_EQ(z["optimizer"]["choices"], Json({"sgd"}));
  EXPECT_DOUBLE_EQ(z["momentum"]["low"].get<double>(), 0.48);
  EXPECT_DOUBLE_EQ(z["momentum"]["high"].get<double>(), 0.72);
  // rmsprop is no longer a choice: the condition keeps the values its parent still takes.
  EXPECT_EQ(z["momentum"]["when"], Json({{"optimizer", {"sgd"}}}));
  // beta's condition can no longer hold: dropped, and beta_decay under it.
  EXPECT_FALSE(z.contains("beta"));
  EXPECT_FALSE(z.contains("beta_decay"));
}

TEST(Zoom, AChildActiveInNoTopTrialIsKeptUnchangedWhileItCanStillBeActive) {
  Json z = zoomed(conditional_space(),
                  {{{"optimizer", "adam"}, {"beta", 0.2}}, {{"optimizer", "adam"}, {"beta", 0.6}}});
  EXPECT_DOUBLE_EQ(z["beta"]["low"].get<double>(), 0.16);
  EXPECT_DOUBLE_EQ(z["beta"]["high"].get<double>(), 0.64);
  // beta > 0.5 can still hold: beta_decay stays as it was.
  EXPECT_EQ(z["beta_decay"], conditional_space()["beta_decay"]);
  EXPECT_FALSE(z.contains("momentum"));
}

TEST(Zoom, ANumericParentsConditionIsCheckedAgainstItsNewRange) {
  Json space = {
      {"layers", {{"type", "int"}, {"low", 1}, {"high", 5}}},
      {"width3", {{"type", "int"}, {"low", 8}, {"high", 64}, {"when", {{"layers", {{">=", 3}}}}}}},
      {"skip",
       {{"type", "categorical"}, {"choices", {true, false}}, {"when", {{"layers", {{"!=", 5}}}}}}}};
  Json z = zoomed(space, {{{"layers", 1}, {"skip", true}}, {{"layers", 2}, {"skip", true}}});
  EXPECT_EQ(z["layers"]["high"], 3);  // [0.9, 2.1] -> [1, 3]: width3 can still be active
  EXPECT_EQ(z["width3"], space["width3"]);
  EXPECT_EQ(z["skip"]["choices"], Json({true}));
  // 5 is no longer a layer count: "!= 5" always holds while layers is active.
  EXPECT_EQ(z["skip"]["when"], Json({{"layers", {{">=", 1}}}}));
  z = zoomed(space, {{{"layers", 1}, {"skip", true}}, {{"layers", 1}, {"skip", false}}});
  EXPECT_EQ(z["layers"]["high"], 2);  // [0.6, 1.4] -> [1, 2]: layers >= 3 never holds
  EXPECT_FALSE(z.contains("width3"));
}

TEST(Zoom, TheNameGetsASuffixAndTheRestIsKept) {
  Json experiment = {{"name", "mnist"},
                     {"space", param({{"type", "int"}, {"low", 1}, {"high", 9}})},
                     {"params", {{"epochs", 3}}},
                     {"objective", {{"monitor", "val_loss"}, {"direction", "minimize"}}},
                     {"strategy", {{"name", "tpe"}}},
                     {"pruner", {{"name", "median"}}},
                     {"data", {{"name", "mnist"}}},
                     {"callbacks", {{"early_stopping", {{"patience", 2}}}}}};
  ZoomResult r = zoom_experiment(experiment, trials_with({{{"p", 4}}, {{"p", 5}}}), 0.1, "t");
  EXPECT_EQ(r.experiment["name"], "mnist-zoom");
  for (const char* key : {"params", "objective", "strategy", "pruner", "data", "callbacks"})
    EXPECT_EQ(r.experiment[key], experiment[key]) << key;
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].before, "an integer in [1, 9]");
  EXPECT_EQ(r.changes[0].after, "an integer in [3, 6]");
}

TEST(Zoom, ASpacelessExperimentIsAConfigError) {
  EXPECT_THROW(zoom_experiment({{"name", "e"}}, trials_with({{}, {}}), 0.1, "t"), ConfigError);
}

std::vector<TrialSnapshot> ten_trials() {
  std::vector<Json> params;
  for (int i = 0; i < 10; ++i) params.push_back({{"p", i}});
  return trials_with(params);  // trial i has value i
}

TEST(ZoomTop, DefaultIsTheBestFifthAtLeastTwoByDirection) {
  ZoomOptions options;
  auto top = zoom_top_trials(ten_trials(), Direction::Minimize, options, "t");
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].number, 0);
  EXPECT_EQ(top[1].number, 1);
  top = zoom_top_trials(ten_trials(), Direction::Maximize, options, "t");
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].number, 9);
  EXPECT_EQ(top[1].number, 8);
  options.quantile = 0.05;
  EXPECT_EQ(zoom_top_trials(ten_trials(), Direction::Minimize, options, "t").size(), 2u);
  options.quantile = 0.5;
  EXPECT_EQ(zoom_top_trials(ten_trials(), Direction::Minimize, options, "t").size(), 5u);
  options.top = 4;
  EXPECT_EQ(zoom_top_trials(ten_trials(), Direction::Minimize, options, "t").size(), 4u);
  options.top = 40;
  EXPECT_EQ(zoom_top_trials(ten_trials(), Direction::Minimize, options, "t").size(), 10u);
}

TEST(ZoomTop, OnlyCompleteTrialsCountAndFewerThanTwoIsAConfigError) {
  auto trials = ten_trials();
  for (size_t i = 1; i < trials.size(); ++i) trials[i].state = TrialState::Failed;
  try {
    zoom_top_trials(trials, Direction::Minimize, ZoomOptions(), "study s");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 complete trials, the study has 1"),
              std::string::npos)
        << e.what();
  }
  trials[5].state = TrialState::Complete;
  auto top = zoom_top_trials(trials, Direction::Maximize, ZoomOptions(), "s");
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].number, 5);
}

}  // namespace
}  // namespace tune
