// A fused group computes, trial by trial, what each trial computes alone.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "data/load.h"
#include "train/fused/fused_trainer.h"

#include "../support/fused.h"

namespace tune {
namespace {

using testing::cnn_group;
using testing::expect_identical_curves;
using testing::expect_same_curve;
using testing::fused;
using testing::make_trainer;
using testing::mixed_group;

// Every test here compares with trials alone, which make their products as the group does.
class FusedGroup : public testing::AloneWithLibTorchKernels {};
class FusedCnnGroup : public testing::AloneWithLibTorchKernels {};
class FusedGroupOptimizer : public testing::AloneWithLibTorchKernels {};
class FusedEqualsAlone : public testing::AloneWithLibTorchKernels,
                         public ::testing::WithParamInterface<std::string> {};

// A group on images held as bytes (Split::divisor) trains as on their features as floats.
TEST_F(FusedGroup, BytesTrainAsTheirFeatures) {
  Dataset bytes = testing::small_data_of_bytes(true), floats = testing::small_data_of_bytes(false);
  std::vector<Json> group = mixed_group("adam");
  std::vector<TrainResult> a = fused(group).fit(bytes), b = fused(group).fit(floats);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k)
    expect_identical_curves(a[k], b[k], "trial " + std::to_string(k));
}

TEST_P(FusedEqualsAlone, PerEpochCurvesTrialByTrial) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group(GetParam());
  std::vector<TrainResult> together = fused(group).fit(data);
  ASSERT_EQ(together.size(), group.size());
  double worst = 0;
  for (size_t k = 0; k < group.size(); ++k) {
    TrainResult alone = make_trainer(group[k]).fit(data);
    worst = std::max(worst, expect_same_curve(together[k], alone, 1e-5,
                                              GetParam() + " trial " + std::to_string(k)));
  }
  std::cout << GetParam() << ": largest relative gap fused vs alone " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(Optimizers, FusedEqualsAlone,
                         ::testing::Values("sgd", "adam", "adamw", "rmsprop"));

TEST_F(FusedGroup, PaddedUnitsStayZeroAndEachTrialEndsWithItsAloneWeights) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("adamw");
  FusedTrainer together = fused(group);
  together.fit(data);
  auto params = together.model().parameters();
  // Trial 2 is the narrowest: 8 units, then 9 of 24 and 12.
  EXPECT_EQ(params[0][2].narrow(1, 8, 16).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(params[1][2][0].narrow(0, 8, 16).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(params[2][2].narrow(0, 8, 16).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(params[2][2].narrow(1, 9, 3).abs().max().item<float>(), 0.0f);
  EXPECT_EQ(params[4][2].narrow(0, 9, 3).abs().max().item<float>(), 0.0f);
  for (size_t k = 0; k < group.size(); ++k) {
    Trainer alone = make_trainer(group[k]);
    alone.fit(data);
    auto mine = together.model().trial_model(static_cast<int64_t>(k))->parameters();
    auto theirs = alone.model()->parameters();
    ASSERT_EQ(mine.size(), theirs.size());
    for (size_t i = 0; i < mine.size(); ++i)
      EXPECT_TRUE(torch::allclose(mine[i], theirs[i], 1e-4, 1e-5)) << "trial " << k << " " << i;
  }
}

// A trial's state is views of the group's tensors outside autograd: a view with history keeps
// each parameter's gradient accumulator alive on the stream where the view was made, and a
// CUDA graph capture of the backward pass on a side stream then fails (the GPU tests capture).
TEST_F(FusedGroup, TrialStateIsViewsWithoutAutogradHistory) {
  auto check = [](const FusedModel& model) {
    auto params = model.parameters();
    auto state = model.trial_state(1);
    ASSERT_GE(state.size(), params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_TRUE(params[i].requires_grad()) << i;
      EXPECT_FALSE(state[i].requires_grad()) << i;
      EXPECT_EQ(state[i].grad_fn(), nullptr) << i;
      EXPECT_EQ(state[i].data_ptr(), params[i][1].data_ptr()) << i;  // the group's own memory
    }
  };
  check(fused(mixed_group("adam")).model());
  check(fused(cnn_group(true, "sgd"), testing::kSmallImageShape).model());
}

// A per-epoch training subset: each trial of a group draws the examples it draws alone.
TEST_F(FusedGroup, APerEpochSubsetMatchesAlone) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  data.train.per_epoch = 160;
  auto group = mixed_group("adam");
  std::vector<TrainResult> together = fused(group).fit(data);
  for (size_t k = 0; k < group.size(); ++k)
    expect_same_curve(together[k], make_trainer(group[k]).fit(data), 1e-4,
                      "per-epoch subset, trial " + std::to_string(k));
}

// Trials with a cosine schedule in a group train as they do alone, beside constant ones, on
// every optimizer kind.
TEST_F(FusedGroup, CosineScheduleMatchesAlone) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  for (const std::string optimizer : {"sgd", "adam", "rmsprop"}) {
    auto group = mixed_group(optimizer);
    for (auto& c : group) c["epochs"] = 4;
    group[0]["lr_schedule"] = "cosine";
    group[2]["lr_schedule"] = "cosine";
    group[2]["epochs"] = 3;  // leaves early: its frozen learning rate stays 0
    std::vector<TrainResult> together = fused(group).fit(data);
    for (size_t k = 0; k < group.size(); ++k) {
      TrainResult alone = make_trainer(group[k]).fit(data);
      expect_same_curve(together[k], alone, 1e-5, optimizer + " trial " + std::to_string(k));
      ASSERT_EQ(together[k].history.size(), alone.history.size());
      for (size_t e = 0; e < alone.history.size(); ++e)  // both report the epoch's lr
        EXPECT_DOUBLE_EQ(together[k].history[e].lr, alone.history[e].lr) << optimizer << " " << k;
    }
  }
}

// The group of mixed_group("adam") where trial 1 stops early (and trial 3 after 2 epochs):
// trial 1 matches itself alone with the same callback, and the other trials' curves are
// exactly those they have in the group where nobody stops.
TEST_F(FusedGroup, ATrialThatStopsLeavesTheOthersUnchanged) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("adam");
  for (auto& c : group) c["epochs"] = 6;
  std::vector<TrainResult> everyone = fused(group).fit(data);

  auto stopping = [] {
    return std::make_unique<EarlyStopping>(
        EarlyStopping::Options{"val_loss", Mode::Min, 1, 0.5, true});
  };
  auto shorter = group;
  shorter[3]["epochs"] = 2;
  FusedTrainer some_stop = fused(shorter);
  some_stop.add_callback(1, stopping());
  std::vector<TrainResult> results = some_stop.fit(data);

  EXPECT_EQ(results[1].stop_reason, "early_stopping");
  EXPECT_LT(results[1].history.size(), 6u);
  Trainer alone = make_trainer(group[1]);
  alone.add_callback(stopping());
  expect_same_curve(results[1], alone.fit(data), 1e-5, "early-stopped trial");
  EXPECT_EQ(results[3].history.size(), 2u);
  for (size_t k : {0, 2}) {
    expect_identical_curves(results[k], everyone[k], "trial " + std::to_string(k));
  }
}

TEST_F(FusedGroup, AStopRequestEndsThatTrialOnlyAsStopped) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("sgd");
  std::vector<TrainResult> everyone = fused(group).fit(data);
  FusedTrainer t = fused(group);
  int epochs = 0;
  t.on_epoch(0, [&](const EpochMetrics&) { ++epochs; });
  t.stop_when(0, [&] { return epochs >= 2; });
  std::vector<TrainResult> results = t.fit(data);
  EXPECT_EQ(results[0].stop_reason, "stopped");
  EXPECT_EQ(results[0].history.size(), 2u);
  EXPECT_FALSE(results[0].test);
  for (size_t k = 1; k < group.size(); ++k)
    EXPECT_EQ(results[k].history.back().val_loss, everyone[k].history.back().val_loss);
}

// A trial whose loss turns NaN stops as diverged, as it does alone, and its NaNs stay in its
// own slices: the other trials train as they would alone.
TEST_F(FusedGroup, ADivergingTrialLeavesTheOthersAsTheyAreAlone) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("sgd");
  group[3]["lr"] = 10.0;
  group[3]["momentum"] = 0.99;
  group[3]["activation"] = "selu";
  group[3]["epochs"] = 5;
  std::vector<TrainResult> results = fused(group).fit(data);
  EXPECT_EQ(results[3].stop_reason, "diverged");
  EXPECT_EQ(results[3].stop_reason, make_trainer(group[3]).fit(data).stop_reason);
  for (size_t k = 0; k < 3; ++k)
    expect_same_curve(results[k], make_trainer(group[k]).fit(data), 1e-5,
                      "next to a diverging trial, trial " + std::to_string(k));
}

TEST_F(FusedGroup, DropoutRepeatsForTheSameSeedsAndMatchesAlone) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("adam");
  group[0]["dropout"] = 0.3;
  group[2]["dropout"] = 0.5;
  std::vector<TrainResult> a = fused(group).fit(data), b = fused(group).fit(data);
  for (size_t k = 0; k < group.size(); ++k)
    for (size_t e = 0; e < a[k].history.size(); ++e) {
      EXPECT_EQ(a[k].history[e].train_loss, b[k].history[e].train_loss);
      EXPECT_EQ(a[k].history[e].val_loss, b[k].history[e].val_loss);
    }
  // Each trial's masks are the ones it draws alone.
  for (size_t k : {0, 2})
    expect_same_curve(a[k], make_trainer(group[k]).fit(data), 1e-5, "dropout");
  group[0]["seed"] = 11;
  std::vector<TrainResult> c = fused(group).fit(data);
  EXPECT_NE(a[0].history[1].train_loss, c[0].history[1].train_loss);
  EXPECT_EQ(a[2].history[1].train_loss, c[2].history[1].train_loss);
}

// Per-layer knobs (activation_<i>, dropout_<i>, as in Optuna's pytorch_simple space): each
// layer applies the trial's own activation, and a layer without dropout draws no mask, so the
// dropout modules are numbered as in the model alone.
TEST_F(FusedGroup, PerLayerActivationsAndDropoutsMatchAlone) {
  Dataset data = load_dataset(testing::kSmallData, "data");
  auto group = mixed_group("adam");
  group[0]["activation_1"] = "tanh";
  group[0]["dropout_1"] = 0.4;  // only the second layer drops
  group[1]["activation_0"] = "relu";
  group[1]["dropout_0"] = 0.2;
  group[2]["dropout"] = 0.3;
  group[2]["dropout_0"] = 0.0;  // the shared rate everywhere but the first layer
  std::vector<TrainResult> together = fused(group).fit(data);
  for (size_t k = 0; k < group.size(); ++k)
    expect_same_curve(together[k], make_trainer(group[k]).fit(data), 1e-5,
                      "per-layer knobs, trial " + std::to_string(k));
}

// A group of `base` and `base` with `changes` is refused with a message that says `says`.
void expect_refused(const Json& base, const Json& changes, const std::string& says,
                    const InputShape& shape = testing::kSmallShape) {
  Json other = base;
  other.update(changes);
  try {
    fused({base, other}, shape);
    FAIL() << other.dump();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST_F(FusedGroup, RefusesTrialsThatCannotShareAGroup) {
  const Json base = {{"layers", 1}};
  expect_refused(base, {{"layers", 2}}, "layers");
  expect_refused(base, {{"batch_size", 64}}, "batch_size");
  expect_refused(base, {{"optimizer", "sgd"}}, "optimizer");
  expect_refused(base, {{"batch_norm", true}}, "batch_norm");
  expect_refused(base, {{"model", "cnn"}}, "mlp");
}

Trainer cnn_alone(const Json& config) {
  return make_trainer(config, testing::kSmallImageShape);
}

class FusedCnnEqualsAlone : public testing::AloneWithLibTorchKernels,
                            public ::testing::WithParamInterface<std::tuple<bool, std::string>> {};

TEST_P(FusedCnnEqualsAlone, PerEpochCurvesTrialByTrial) {
  const auto& [batch_norm, optimizer] = GetParam();
  const std::string what = optimizer + (batch_norm ? " with batch norm" : "");
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(batch_norm, optimizer);
  std::vector<TrainResult> together = fused(group, testing::kSmallImageShape).fit(data);
  ASSERT_EQ(together.size(), group.size());
  // With batch norm, adamw's and rmsprop's validation curves hang on float noise (cnn_group):
  // their training curves are compared, and evaluation-mode batch norm through sgd and adam.
  const bool evaluation = !batch_norm || optimizer == "sgd" || optimizer == "adam";
  double worst = 0;
  for (size_t k = 0; k < group.size(); ++k)
    worst = std::max(worst, expect_same_curve(together[k], cnn_alone(group[k]).fit(data), 1e-5,
                                              what + " trial " + std::to_string(k), evaluation));
  std::cout << "cnn " << what << ": largest relative gap fused vs alone " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(BatchNormAndOptimizers, FusedCnnEqualsAlone,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values("sgd", "adam", "adamw", "rmsprop")));

// Average pooling, a 5x5 kernel, one block and no dense layer (the head is one linear layer
// over padded features).
TEST_F(FusedCnnGroup, AvgPoolWithoutDenseLayerMatchesAlone) {
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(true, "adam");
  for (auto& c : group) {
    c["pool"] = "avg";
    c["kernel_size"] = 5;
    c["blocks"] = 1;
    c["dense_units"] = 0;
    c.erase("dropout");
  }
  std::vector<TrainResult> together = fused(group, testing::kSmallImageShape).fit(data);
  for (size_t k = 0; k < group.size(); ++k)
    expect_same_curve(together[k], cnn_alone(group[k]).fit(data), 1e-5,
                      "avg pool, trial " + std::to_string(k));
}

TEST_F(FusedCnnGroup, PaddedChannelsStayZeroAndEachTrialEndsWithItsAloneModel) {
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(true, "sgd");
  FusedTrainer together = fused(group, testing::kSmallImageShape);
  together.fit(data);
  // Trial 2 has 3 of block 0's 6 channels and 4 of block 1's 5: weight, bias, scale, shift.
  auto params = together.model().parameters();
  for (int i : {0, 1, 2, 3}) EXPECT_EQ(params[i][2].narrow(0, 3, 3).abs().max().item<float>(), 0);
  EXPECT_EQ(params[4][2].narrow(1, 3, 3).abs().max().item<float>(), 0);
  for (int i : {4, 5, 6, 7}) EXPECT_EQ(params[i][2].narrow(0, 4, 1).abs().max().item<float>(), 0);
  for (size_t k = 0; k < group.size(); ++k) {
    Trainer alone = cnn_alone(group[k]);
    alone.fit(data);
    auto mine = together.model().trial_model(static_cast<int64_t>(k));
    auto expect_close = [&](std::vector<torch::Tensor> own, std::vector<torch::Tensor> theirs,
                            const std::string& kind) {
      ASSERT_EQ(own.size(), theirs.size());
      for (size_t i = 0; i < own.size(); ++i)
        EXPECT_TRUE(torch::allclose(own[i], theirs[i], 1e-4, 1e-5))
            << "trial " << k << " " << kind << " " << i << ": "
            << (own[i] - theirs[i]).abs().max().item<float>();
    };
    expect_close(mine->parameters(), alone.model()->parameters(), "parameter");
    // Running means and variances (num_batches_tracked, unused with a momentum, is not kept).
    auto statistics = [](const torch::nn::Sequential& m) {
      std::vector<torch::Tensor> out;
      for (const auto& b : m->buffers())
        if (b.is_floating_point()) out.push_back(b);
      return out;
    };
    expect_close(statistics(mine), statistics(alone.model()), "statistic");
  }
}

// A cnn trial with batch norm that stops early matches itself alone, test metrics included
// (its running statistics stay those it left with while the group trains on), and the other
// trials' curves are exactly those of the group where nobody stops.
TEST_F(FusedCnnGroup, ATrialThatStopsLeavesTheOthersUnchanged) {
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(true, "adam");
  for (auto& c : group) c["epochs"] = 5;
  std::vector<TrainResult> everyone = fused(group, testing::kSmallImageShape).fit(data);
  auto stopping = [] {
    return std::make_unique<EarlyStopping>(
        EarlyStopping::Options{"val_loss", Mode::Min, 1, 0.5, true});
  };
  FusedTrainer some_stop = fused(group, testing::kSmallImageShape);
  some_stop.add_callback(1, stopping());
  std::vector<TrainResult> results = some_stop.fit(data);
  EXPECT_EQ(results[1].stop_reason, "early_stopping");
  EXPECT_LT(results[1].history.size(), 5u);
  Trainer alone = cnn_alone(group[1]);
  alone.add_callback(stopping());
  expect_same_curve(results[1], alone.fit(data), 1e-5, "early-stopped cnn trial");
  for (size_t k : {0, 2, 3}) {
    expect_identical_curves(results[k], everyone[k], "trial " + std::to_string(k));
  }
}

// A cnn trial whose loss turns NaN stops as diverged, as it does alone, and its NaNs stay in
// its own channels of the grouped convolutions: the others train as they would alone.
TEST_F(FusedCnnGroup, ADivergingTrialLeavesTheOthersAsTheyAreAlone) {
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(false, "sgd");
  group[3]["lr"] = 10.0;
  group[3]["momentum"] = 0.9;
  group[3]["activation"] = "selu";
  group[3]["dropout"] = 0.0;  // no masks: its divergence does not hang on a draw
  group[3]["epochs"] = 5;
  std::vector<TrainResult> results = fused(group, testing::kSmallImageShape).fit(data);
  EXPECT_EQ(results[3].stop_reason, "diverged");
  EXPECT_EQ(results[3].stop_reason, cnn_alone(group[3]).fit(data).stop_reason);
  for (size_t k = 0; k < 3; ++k)
    expect_same_curve(results[k], cnn_alone(group[k]).fit(data), 1e-5,
                      "next to a diverging cnn trial, trial " + std::to_string(k));
}

TEST_F(FusedCnnGroup, DropoutRepeatsForTheSameSeeds) {
  Dataset data = load_dataset(testing::kSmallImages, "data");
  auto group = cnn_group(false, "adam");
  std::vector<TrainResult> a = fused(group, testing::kSmallImageShape).fit(data);
  std::vector<TrainResult> b = fused(group, testing::kSmallImageShape).fit(data);
  for (size_t k = 0; k < group.size(); ++k)
    for (size_t e = 0; e < a[k].history.size(); ++e)
      EXPECT_EQ(a[k].history[e].train_loss, b[k].history[e].train_loss) << k;
  group[1]["seed"] = 12;
  std::vector<TrainResult> c = fused(group, testing::kSmallImageShape).fit(data);
  EXPECT_NE(a[1].history[1].train_loss, c[1].history[1].train_loss);
  EXPECT_EQ(a[3].history[1].train_loss, c[3].history[1].train_loss);
}

TEST_F(FusedCnnGroup, RefusesTrialsThatCannotShareAGroup) {
  const Json base = {{"model", "cnn"}, {"filters", 2}, {"dense_units", 4}};
  const InputShape& images = testing::kSmallImageShape;
  expect_refused(base, {{"blocks", 1}}, "blocks", images);
  expect_refused(base, {{"kernel_size", 5}}, "kernel_size", images);
  expect_refused(base, {{"pool", "avg"}}, "pool", images);
  expect_refused(base, {{"batch_norm", true}}, "batch_norm", images);
  expect_refused(base, {{"dense_units", 0}}, "dense_units", images);
  expect_refused(base, {{"dense_units", 0}, {"dropout", 0.2}}, "dropout", images);
  expect_refused(base, {{"model", "mlp"}}, "cnn", images);
  expect_refused(base, {{"optimizer", "sgd"}}, "optimizer", images);
}

// Per-trial knobs on stacked parameters against torch::optim on each trial's own tensors.
TEST_F(FusedGroupOptimizer, MatchesTorchOptimPerTrial) {
  for (const std::string name : {"sgd", "adam", "adamw", "rmsprop"}) {
    std::vector<OptimizerSpec> specs(3);
    for (size_t k = 0; k < specs.size(); ++k) {
      specs[k].name = name;
      specs[k].lr = 0.01 * static_cast<double>(k + 1);
      specs[k].weight_decay = 0.02 * static_cast<double>(k);
      specs[k].momentum = name == "sgd" || name == "rmsprop" ? 0.3 * static_cast<double>(k) : 0;
      specs[k].nesterov = name == "sgd" && k == 2;
      specs[k].beta1 = 0.9 - 0.1 * static_cast<double>(k);
      specs[k].beta2 = 0.999 - 0.01 * static_cast<double>(k);
      specs[k].alpha = 0.99 - 0.05 * static_cast<double>(k);
    }
    torch::manual_seed(0);
    std::vector<torch::Tensor> stacked = {torch::randn({3, 4, 5}), torch::randn({3, 1, 5})};
    for (auto& p : stacked) p.requires_grad_();
    FusedOptimizer fused_opt(stacked, specs);
    std::vector<std::vector<torch::Tensor>> own(3);
    std::vector<std::unique_ptr<torch::optim::Optimizer>> alone;
    for (int64_t k = 0; k < 3; ++k) {
      for (auto& p : stacked) own[k].push_back(p[k].detach().clone().requires_grad_());
      alone.push_back(make_optimizer(specs[k], own[k]));
    }
    double worst = 0;
    for (int step = 0; step < 20; ++step) {
      fused_opt.zero_grad();
      for (auto& p : stacked) {
        auto g = torch::randn(p.sizes());
        p.mutable_grad() = g;
        for (int64_t k = 0; k < 3; ++k) own[k][&p - &stacked[0]].mutable_grad() = g[k].clone();
      }
      fused_opt.step();
      for (int64_t k = 0; k < 3; ++k) alone[k]->step();
    }
    for (int64_t k = 0; k < 3; ++k)
      for (size_t i = 0; i < stacked.size(); ++i) {
        auto diff = (stacked[i][k] - own[k][i]).abs().max().item<double>();
        worst = std::max(worst, diff);
        EXPECT_LT(diff, 1e-6) << name << " trial " << k << " parameter " << i;
      }
    std::cout << name << ": largest difference after 20 steps " << worst << "\n";
  }
}

TEST_F(FusedGroupOptimizer, AFrozenTrialKeepsItsValues) {
  std::vector<OptimizerSpec> specs(2);
  for (auto& s : specs) {
    s.name = "adamw";
    s.lr = 0.1;
    s.weight_decay = 0.1;
  }
  auto p = torch::randn({2, 3}).requires_grad_();
  FusedOptimizer opt({p}, specs);
  p.mutable_grad() = torch::randn({2, 3});
  opt.step();
  auto before = p.detach().clone();
  opt.freeze(0);
  p.mutable_grad() = torch::randn({2, 3});
  opt.step();
  EXPECT_TRUE(torch::equal(p[0], before[0]));
  EXPECT_FALSE(torch::equal(p[1], before[1]));
}

}  // namespace
}  // namespace tune
