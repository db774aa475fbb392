// Warm starts: which old trials fall inside a new space, and how they are copied.
#include "study/warm_start.h"

#include <gtest/gtest.h>

#include "../store/temp_dir.h"
#include "../support/studies.h"
#include "common/error.h"
#include "fakes.h"
#include "study/study.h"

namespace tune {
namespace {

using testing::TempDir;

Space space_of(const Json& json) {
  return Space::from_json(json, "test");
}

TEST(WarmStart, InsideSpaceNeedsEveryActiveParamInItsDomain) {
  Space space = space_of(
      {{"opt", {{"type", "categorical"}, {"choices", {"adam", "sgd"}}}},
       {"momentum", {{"type", "float"}, {"low", 0.0}, {"high", 0.9}, {"when", {{"opt", "sgd"}}}}},
       {"n", {{"type", "int"}, {"low", 1}, {"high", 4}}}});
  EXPECT_TRUE(inside_space(space, {{"opt", "adam"}, {"n", 2}, {"fixed", 7}}));
  EXPECT_TRUE(inside_space(space, {{"opt", "adam"}, {"n", 2}, {"momentum", 5.0}}))
      << "an inactive parameter is ignored";
  EXPECT_TRUE(inside_space(space, {{"opt", "sgd"}, {"n", 4}, {"momentum", 0.5}}));
  EXPECT_FALSE(inside_space(space, {{"opt", "sgd"}, {"n", 4}})) << "active momentum missing";
  EXPECT_FALSE(inside_space(space, {{"opt", "sgd"}, {"n", 4}, {"momentum", 0.95}}));
  EXPECT_FALSE(inside_space(space, {{"opt", "adam"}, {"n", 5}}));
  EXPECT_FALSE(inside_space(space, {{"opt", "rmsprop"}, {"n", 2}}));
  EXPECT_FALSE(inside_space(space, Json::array()));
}

TEST(WarmStart, CopiesTheCompleteTrialsInsideTheSpaceWithTheirCurves) {
  TempDir dir;
  auto old = testing::small_study(dir.file("old"), 5);  // x = 0, 0.5, 1, 1.5, 2
  ClaimRequest running;
  running.number = 5;
  running.params = {{"x", 1.0}};
  ASSERT_EQ(old->claim(running).status, ClaimStatus::Claimed);  // not complete: not copied
  auto target = open_study_dir(dir.file("new"));
  Space space = space_of({{"x", {{"type", "float"}, {"low", 0.4}, {"high", 1.6}}}});

  WarmStartResult result = warm_start(*old, *target, space, "OLD", "new", "--warm-start");
  EXPECT_EQ(result.complete, 5);
  EXPECT_EQ(result.copied, 3);
  auto copied = testing::trials_with_metrics(*target);
  ASSERT_EQ(copied.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const TrialSnapshot& t = copied[i];
    const int from = i + 1;  // old trials 1, 2, 3 in their order
    EXPECT_EQ(t.number, i);
    EXPECT_EQ(t.state, TrialState::Complete);
    EXPECT_DOUBLE_EQ(t.params["x"].get<double>(), from * 0.5);
    ASSERT_TRUE(t.value);
    EXPECT_DOUBLE_EQ(*t.value, (from - 1.0) * (from - 1.0));
    ASSERT_EQ(t.metrics.size(), 2u);
    EXPECT_DOUBLE_EQ(t.metrics[0]["loss"].get<double>(), *t.value * 2);
    EXPECT_EQ(t.summary["warm_start"], Json({{"study", "OLD"}, {"trial", from}}));
  }
  EXPECT_EQ(target->best(Direction::Minimize)->number, 0);
}

TEST(WarmStart, AStretchOfPopulationBasedTrainingComesAsItsConfig) {
  TempDir dir;
  auto old = testing::small_study(dir.file("old"), 0);
  ClaimRequest stretch;
  stretch.number = 0;
  stretch.params = {{"x", 1.0},
                    {"pbt", {{"member", 2}, {"from_epoch", 2}, {"to_epoch", 4}, {"parent", 7}}}};
  ASSERT_EQ(old->claim(stretch).status, ClaimStatus::Claimed);
  old->finish(0, TrialState::Complete, 0.5, "");
  auto target = open_study_dir(dir.file("new"));
  Space space = space_of({{"x", {{"type", "float"}, {"low", 0.0}, {"high", 2.0}}}});
  EXPECT_EQ(warm_start(*old, *target, space, "OLD", "new", "--warm-start").copied, 1);
  EXPECT_EQ(target->trials().at(0).params, Json({{"x", 1.0}}));
}

TEST(WarmStart, RefusesATargetThatHasTrials) {
  TempDir dir;
  auto old = testing::small_study(dir.file("old"), 2);
  auto target = testing::small_study(dir.file("new"), 1);
  Space space = space_of({{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}}});
  try {
    warm_start(*old, *target, space, "old", "NEW", "--warm-start");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("study NEW already has 1 trials; warm-start only a new "
                                         "study"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(target->trials().size(), 1u);
}

TEST(WarmStart, TheStrategySeesTheCopiedTrials) {
  TempDir dir;
  auto old = open_study_dir(dir.file("old"));
  for (int x : {0, 1, 20}) {
    ClaimRequest request;
    request.number = x == 20 ? 2 : x;
    request.params = {{"x", x}};
    ASSERT_EQ(old->claim(request).status, ClaimStatus::Claimed);
    old->finish(request.number, TrialState::Complete, x, "");
  }
  std::shared_ptr<Storage> target = open_study_dir(dir.file("new"));
  Space space = space_of({{"x", {{"type", "int"}, {"low", 0}, {"high", 10}}}});
  EXPECT_EQ(warm_start(*old, *target, space, "old", "new", "--warm-start").copied, 2);

  StudyOptions options;
  options.trials = 5;
  Study study(target, space, std::make_unique<testing::CountingStrategy>(), options);
  EXPECT_EQ(study.budget_used(), 2);
  AskResult ask = study.ask("cpu", "test");
  ASSERT_EQ(ask.status, AskStatus::Claimed);
  EXPECT_EQ(ask.trial->number, 2);
  EXPECT_EQ(ask.trial->params, Json({{"x", 2}})) << "x = 0 and 1 are known already";
  study.tell_complete(ask.trial->number, 2);
}

}  // namespace
}  // namespace tune
