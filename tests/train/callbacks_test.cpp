// Callbacks driven by hand with scripted metric sequences: each must stop at the right epoch.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "train/callbacks.h"

namespace tune {
namespace {

// Feeds `values` as `metric` epoch by epoch; returns (epoch, reason) of the first stop, or
// (0, "") when the callback never stopped.
std::pair<int, std::string> run(Callback& cb, const std::string& metric,
                                const std::vector<double>& values, double seconds = 1.0) {
  TrainerControl control;
  for (size_t i = 0; i < values.size(); ++i) {
    EpochMetrics m;
    m.epoch = static_cast<int>(i) + 1;
    m.seconds = seconds;
    if (metric == "val_loss") m.val_loss = values[i];
    if (metric == "val_accuracy") m.val_accuracy = values[i];
    if (metric == "train_loss") m.train_loss = values[i];
    if (auto reason = cb.on_epoch_end(m, control)) return {m.epoch, *reason};
  }
  return {0, ""};
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  EarlyStopping es({"val_loss", Mode::Min, 2, 0.0, false});
  auto [epoch, reason] = run(es, "val_loss", {1.0, 0.8, 0.7, 0.75, 0.72, 0.6});
  EXPECT_EQ(epoch, 5);
  EXPECT_EQ(reason, "early_stopping");
  EXPECT_EQ(es.best_epoch(), 3);
  EXPECT_DOUBLE_EQ(es.best_value(), 0.7);
}

TEST(EarlyStopping, ImprovementResetsPatience) {
  EarlyStopping es({"val_loss", Mode::Min, 2, 0.0, false});
  EXPECT_EQ(run(es, "val_loss", {1.0, 1.1, 0.9, 1.0, 0.8, 0.85}).first, 0);
}

TEST(EarlyStopping, MinDeltaIgnoresTinyGains) {
  EarlyStopping es({"val_loss", Mode::Min, 2, 0.05, false});
  EXPECT_EQ(run(es, "val_loss", {1.0, 0.97, 0.96, 0.5}).first, 3);
}

TEST(EarlyStopping, MaxModeOnAccuracy) {
  EarlyStopping es({"val_accuracy", Mode::Max, 3, 0.0, false});
  EXPECT_EQ(run(es, "val_accuracy", {0.5, 0.6, 0.6, 0.59, 0.61, 0.6, 0.6, 0.6}).first, 8);
}

TEST(EarlyStopping, NaNNeverCountsAsImprovement) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  EarlyStopping es({"val_loss", Mode::Min, 1, 0.0, false});
  EXPECT_EQ(run(es, "val_loss", {1.0, nan}).first, 2);
}

TEST(EarlyStopping, RestoresBestWeightsAtTheEnd) {
  torch::nn::Linear model(2, 1);
  TrainerControl control(model.ptr().get());
  EarlyStopping es({"val_loss", Mode::Min, 1, 0.0, true});
  torch::NoGradGuard no_grad;
  model->weight.fill_(1.0);
  EpochMetrics m;
  m.epoch = 1;
  m.val_loss = 0.5;
  EXPECT_FALSE(es.on_epoch_end(m, control));
  model->weight.fill_(7.0);  // a worse epoch changes the weights
  m.epoch = 2;
  m.val_loss = 0.9;
  EXPECT_EQ(es.on_epoch_end(m, control).value_or(""), "early_stopping");
  es.on_train_end(control);
  EXPECT_TRUE(torch::all(model->weight == 1.0).item<bool>());
}

TEST(TargetReached, StopsWhenTheTargetIsReached) {
  TargetReached t({"val_accuracy", Mode::Max, 0.9});
  auto [epoch, reason] = run(t, "val_accuracy", {0.5, 0.89, 0.9, 0.95});
  EXPECT_EQ(epoch, 3);
  EXPECT_EQ(reason, "target_reached");
  TargetReached low({"val_loss", Mode::Min, 0.2});
  EXPECT_EQ(run(low, "val_loss", {0.5, 0.3, 0.19}).first, 3);
}

TEST(Divergence, NaNOrInfinityStops) {
  Divergence d({"train_loss", std::nullopt});
  EXPECT_EQ(run(d, "train_loss", {2.0, 1.0, std::numeric_limits<double>::infinity()}).first, 3);
  Divergence nan({"train_loss", std::nullopt});
  auto [epoch, reason] = run(nan, "train_loss", {std::nan(""), 1.0});
  EXPECT_EQ(epoch, 1);
  EXPECT_EQ(reason, "diverged");
}

TEST(Divergence, FactorAboveBest) {
  Divergence d({"train_loss", 3.0});
  // best 0.5 at epoch 2; 1.4 < 1.5 is tolerated, 1.6 is not.
  EXPECT_EQ(run(d, "train_loss", {1.0, 0.5, 1.4, 1.6}).first, 4);
  Divergence none({"train_loss", std::nullopt});
  EXPECT_EQ(run(none, "train_loss", {1.0, 0.5, 100.0}).first, 0);
}

TEST(TimeBudget, StopsOnceTheEpochsUsedTheBudget) {
  TimeBudget t(10.0);
  auto [epoch, reason] = run(t, "val_loss", {1, 1, 1, 1, 1}, 3.0);
  EXPECT_EQ(epoch, 4);  // 12 s >= 10 s
  EXPECT_EQ(reason, "time_budget");
}

TEST(MakeCallbacks, BuildsEachKindInOrder) {
  Json section = {{"early_stopping", {{"patience", 3}}},
                  {"time_budget", {{"seconds", 5}}},
                  {"target_reached", {{"value", 0.99}}},
                  {"divergence", {{"factor", 4}}}};
  auto cbs = make_callbacks(section, "x.json: callbacks");
  ASSERT_EQ(cbs.size(), 4u);
  EXPECT_NE(dynamic_cast<Divergence*>(cbs[0].get()), nullptr);
  EXPECT_NE(dynamic_cast<EarlyStopping*>(cbs[1].get()), nullptr);
  EXPECT_NE(dynamic_cast<TargetReached*>(cbs[2].get()), nullptr);
  EXPECT_NE(dynamic_cast<TimeBudget*>(cbs[3].get()), nullptr);
  EXPECT_TRUE(make_callbacks({{"early_stopping", false}}, "c").empty());
  EXPECT_TRUE(make_callbacks(nullptr, "c").empty());
}

TEST(MakeCallbacks, RejectsBadSections) {
  auto expect_field = [](const Json& s, const std::string& field) {
    try {
      make_callbacks(s, "x.json: callbacks");
      FAIL() << s.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("callbacks." + field), std::string::npos) << e.what();
    }
  };
  expect_field({{"early_stop", Json::object()}}, "early_stop");
  expect_field({{"early_stopping", {{"patience", 0}}}}, "early_stopping.patience");
  expect_field({{"early_stopping", {{"patience", "two"}}}}, "early_stopping.patience");
  expect_field({{"early_stopping", {{"monitor", "loss"}}}}, "early_stopping.monitor");
  expect_field({{"early_stopping", {{"mode", "up"}}}}, "early_stopping.mode");
  expect_field({{"early_stopping", {{"patiense", 2}}}}, "early_stopping.patiense");
  expect_field({{"target_reached", Json::object()}}, "target_reached.value");
  expect_field({{"divergence", {{"factor", 0.5}}}}, "divergence.factor");
  expect_field({{"time_budget", {{"seconds", -1}}}}, "time_budget.seconds");
  expect_field({{"time_budget", 5}}, "time_budget");
}

}  // namespace
}  // namespace tune
