#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "common/error.h"
#include "data/load.h"
#include "models/builders.h"
#include "train/optimizer.h"
#include "train/trainer.h"

#include "../support/training.h"

namespace tune {
namespace {

using testing::make_trainer;
const Json& kData = testing::kSmallData;

TEST(Trainer, LearnsASeparableProblem) {
  Dataset data = load_dataset(kData, "data");
  for (const std::string optimizer : {"adam", "sgd", "adamw", "rmsprop"}) {
    Json config = {{"optimizer", optimizer},
                   {"units", 32},
                   {"epochs", 15},
                   {"batch_size", 32},
                   {"lr", optimizer == "sgd" ? 0.1 : 0.005},
                   {"momentum", optimizer == "sgd" ? 0.9 : 0.0}};
    Trainer t = make_trainer(config);
    TrainResult r = t.fit(data);
    EXPECT_EQ(r.stop_reason, "max_epochs");
    ASSERT_EQ(r.history.size(), 15u);
    EXPECT_GT(r.history.back().val_accuracy, 0.95) << optimizer;
    ASSERT_TRUE(r.test);
    EXPECT_GT(r.test->accuracy, 0.95) << optimizer;
    EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
    EXPECT_GE(r.best_epoch, 1);
    EXPECT_GT(r.history.front().samples_per_second, 0);
  }
}

TEST(Trainer, SameSeedSameRun) {
  Dataset data = load_dataset(kData, "data");
  Json config = {{"epochs", 2}, {"seed", 5}, {"dropout", 0.2}};
  TrainResult a = make_trainer(config).fit(data), b = make_trainer(config).fit(data);
  EXPECT_DOUBLE_EQ(a.history[1].train_loss, b.history[1].train_loss);
  EXPECT_DOUBLE_EQ(a.history[1].val_loss, b.history[1].val_loss);
  config["seed"] = 6;
  TrainResult c = make_trainer(config).fit(data);
  EXPECT_NE(a.history[1].train_loss, c.history[1].train_loss);
}

// With a per-epoch subset each epoch trains on that many examples drawn afresh from the whole
// training split: at a learning rate too small to move the model, every epoch's training loss
// is the same over the fixed split and differs over fresh draws.
TEST(Trainer, APerEpochSubsetDrawsFreshExamplesEachEpoch) {
  Dataset data = load_dataset(kData, "data");
  Dataset drawn = data;
  drawn.train.per_epoch = 100;
  Json config = {{"optimizer", "sgd"}, {"lr", 1e-12}, {"epochs", 3}, {"batch_size", 20}};
  TrainResult all = make_trainer(config).fit(data), some = make_trainer(config).fit(drawn);
  // Summation order alone moves a mean by about 1e-7; 100 other examples move it by far more.
  for (int e : {1, 2}) {
    EXPECT_NEAR(all.history[e].train_loss, all.history[0].train_loss, 1e-6) << e;
    EXPECT_GT(std::abs(some.history[e].train_loss - some.history[0].train_loss), 1e-3) << e;
  }
  EXPECT_DOUBLE_EQ(some.history[2].train_loss,
                   make_trainer(config).fit(drawn).history[2].train_loss);
}

// Images held as bytes (Split::divisor) train exactly as their features held as floats.
TEST(Trainer, BytesTrainAsTheirFeatures) {
  Dataset bytes = testing::small_data_of_bytes(true), floats = testing::small_data_of_bytes(false);
  ASSERT_TRUE(bytes.train.bytes() && bytes.val.bytes() && bytes.test.bytes());
  ASSERT_FALSE(floats.train.bytes());
  Json config = {{"epochs", 3}, {"seed", 4}, {"dropout", 0.2}, {"batch_size", 32}};
  TrainResult a = make_trainer(config).fit(bytes), b = make_trainer(config).fit(floats);
  ASSERT_EQ(a.history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss) << e;
    EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss) << e;
  }
  ASSERT_TRUE(a.test && b.test);
  EXPECT_EQ(a.test->loss, b.test->loss);
}

TEST(Trainer, EarlyStoppingEndsBeforeMaxEpochsAndReportsEachEpoch) {
  Dataset data = load_dataset(kData, "data");
  // A high learning rate plateaus quickly; patience 1 on val_loss with a large min_delta.
  Trainer t = make_trainer({{"epochs", 30}, {"lr", 0.05}});
  t.add_callback(std::make_unique<EarlyStopping>(
      EarlyStopping::Options{"val_loss", Mode::Min, 2, 0.05, true}));
  std::vector<int> reported;
  t.on_epoch([&](const EpochMetrics& m) { reported.push_back(m.epoch); });
  TrainResult r = t.fit(data);
  EXPECT_EQ(r.stop_reason, "early_stopping");
  EXPECT_LT(r.history.size(), 30u);
  EXPECT_EQ(reported.size(), r.history.size());
}

TEST(Trainer, NaNLossIsDiverged) {
  Dataset data = load_dataset(kData, "data");
  Trainer t = make_trainer({{"epochs", 5},
                            {"optimizer", "sgd"},
                            {"lr", 10.0},
                            {"momentum", 0.99},
                            {"activation", "selu"},
                            {"units", 256}});
  t.add_callback(std::make_unique<Divergence>(Divergence::Options{"train_loss", 2.0}));
  TrainResult r = t.fit(data);
  EXPECT_EQ(r.stop_reason, "diverged");
  EXPECT_LT(r.history.size(), 5u);
}

TEST(Trainer, StopRequestEndsWithStopped) {
  Dataset data = load_dataset(kData, "data");
  Trainer t = make_trainer({{"epochs", 50}});
  int epochs = 0;
  t.on_epoch([&](const EpochMetrics&) { ++epochs; });
  t.stop_when([&] { return epochs >= 2; });
  TrainResult r = t.fit(data);
  EXPECT_EQ(r.stop_reason, "stopped");
  EXPECT_EQ(r.history.size(), 2u);
}

TEST(TrainOptions, CosineScheduleFactorsPerEpoch) {
  TrainOptions constant = TrainOptions::from(Hyperparameters(Json{{"epochs", 4}}));
  EXPECT_EQ(constant.lr_schedule, LrSchedule::Constant);
  for (int e = 1; e <= 4; ++e) EXPECT_EQ(constant.lr_factor(e), 1.0);
  TrainOptions cosine =
      TrainOptions::from(Hyperparameters(Json{{"epochs", 4}, {"lr_schedule", "cosine"}}));
  // (1 + cos(pi (e - 1) / 4)) / 2 for e = 1..4
  const double expected[] = {1.0, 0.8535533905932737, 0.5, 0.14644660940672627};
  for (int e = 1; e <= 4; ++e) EXPECT_NEAR(cosine.lr_factor(e), expected[e - 1], 1e-15) << e;
  try {
    TrainOptions::from(Hyperparameters(Json{{"lr_schedule", "linear"}}, "x.json: params"));
    ADD_FAILURE() << "an unknown schedule was accepted";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("lr_schedule"), std::string::npos) << what;
    EXPECT_NE(what.find("cosine"), std::string::npos) << what;
    EXPECT_NE(what.find("\"linear\""), std::string::npos) << what;
  }
}

// Records the first parameter group's learning rate at the end of each epoch.
class LrRecorder : public Callback {
 public:
  explicit LrRecorder(torch::optim::Optimizer* optimizer) : optimizer_(optimizer) {}
  std::optional<std::string> on_epoch_end(const EpochMetrics&, TrainerControl&) override {
    seen.push_back(optimizer_->param_groups()[0].options().get_lr());
    return std::nullopt;
  }
  std::vector<double> seen;

 private:
  torch::optim::Optimizer* optimizer_;
};

// Each epoch of a cosine schedule trains at its own learning rate, on every CPU path (the
// tuned MLP step, and autograd with LibTorch's optimizers), and the optimizer ends as it came.
// Its first epoch is the constant schedule's, and later ones differ from it.
TEST(Trainer, CosineScheduleSetsEachEpochsLearningRate) {
  Dataset data = load_dataset(kData, "data");
  for (const std::string optimizer : {"adam", "sgd", "rmsprop"}) {
    Json config = {{"optimizer", optimizer}, {"units", 16},   {"epochs", 4}, {"lr", 0.02},
                   {"batch_size", 32},       {"dropout", 0.1}};
    TrainResult constant = testing::make_trainer(config).fit(data);
    config["lr_schedule"] = "cosine";
    Hyperparameters hp(config, "test");
    auto model = builtin_models().build(hp, testing::kSmallShape, testing::kSmallClasses);
    const TrainOptions o = TrainOptions::from(hp);
    initialize_parameters(*model, o.seed);
    auto opt = make_optimizer(hp, model->parameters());
    torch::optim::Optimizer* raw = opt.get();
    Trainer t(model, std::move(opt), o);
    auto recorder = std::make_unique<LrRecorder>(raw);
    LrRecorder* seen = recorder.get();
    t.add_callback(std::move(recorder));
    TrainResult cosine = t.fit(data);
    ASSERT_EQ(seen->seen.size(), 4u) << optimizer;
    for (int e = 1; e <= 4; ++e) {
      EXPECT_DOUBLE_EQ(seen->seen[e - 1], 0.02 * o.lr_factor(e)) << optimizer << " epoch " << e;
      EXPECT_DOUBLE_EQ(cosine.history[e - 1].lr, 0.02 * o.lr_factor(e)) << optimizer;
      EXPECT_DOUBLE_EQ(constant.history[e - 1].lr, 0.02) << optimizer;
    }
    EXPECT_DOUBLE_EQ(raw->param_groups()[0].options().get_lr(), 0.02) << optimizer;
    EXPECT_DOUBLE_EQ(cosine.history[0].train_loss, constant.history[0].train_loss) << optimizer;
    EXPECT_NE(cosine.history[3].train_loss, constant.history[3].train_loss) << optimizer;
  }
}

TEST(Optimizer, RejectsBadKnobs) {
  auto p = torch::zeros({1}, torch::requires_grad());
  auto expect_field = [&](const Json& c, const std::string& field) {
    try {
      make_optimizer(Hyperparameters(c, "cfg"), {p});
      FAIL() << c.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("cfg." + field), std::string::npos) << e.what();
    }
  };
  expect_field({{"optimizer", "lbfgs"}}, "optimizer");
  expect_field({{"lr", 0}}, "lr");
  expect_field({{"lr", "fast"}}, "lr");
  expect_field({{"optimizer", "sgd"}, {"momentum", 1.0}}, "momentum");
  expect_field({{"optimizer", "sgd"}, {"nesterov", true}}, "nesterov");
  expect_field({{"weight_decay", -0.1}}, "weight_decay");
  expect_field({{"beta2", 1.0}}, "beta2");
}

// What the README says about the defaults: every knob is LibTorch's (which are torch.optim's)
// except the learning rates of sgd (0.01; torch.optim 0.001, LibTorch none) and rmsprop
// (0.001; both PyTorch APIs 0.01).
template <typename Options>
Options default_options(const std::string& name) {
  auto p = torch::zeros({1}, torch::requires_grad());
  auto optimizer = make_optimizer(Hyperparameters(Json{{"optimizer", name}}, "cfg"), {p});
  return static_cast<const Options&>(optimizer->param_groups().at(0).options());
}

TEST(Optimizer, DefaultsAreLibTorchsButTheLearningRates) {
  namespace optim = torch::optim;
  const auto sgd = default_options<optim::SGDOptions>("sgd");
  EXPECT_EQ(sgd.lr(), 0.01);
  EXPECT_TRUE(sgd == optim::SGDOptions(0.01));
  const auto rmsprop = default_options<optim::RMSpropOptions>("rmsprop");
  EXPECT_EQ(rmsprop.lr(), 0.001);
  EXPECT_EQ(optim::RMSpropOptions().lr(), 0.01);
  EXPECT_TRUE(rmsprop == optim::RMSpropOptions(0.001));
  EXPECT_TRUE(default_options<optim::AdamOptions>("adam") == optim::AdamOptions());
  EXPECT_TRUE(default_options<optim::AdamWOptions>("adamw") == optim::AdamWOptions());
  EXPECT_EQ(default_options<optim::AdamWOptions>("adamw").weight_decay(), 0.01);
}

}  // namespace
}  // namespace tune
