#pragma once
// Fused groups for the tests that compare them with their trials alone, on the CPU
// (tests/train/fused_test.cpp) and on CUDA (tests/gpu/): the groups, and the comparison of
// per-epoch curves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/cpu.h"
#include "train/fused/fused_trainer.h"

#include "training.h"

namespace tune::testing {

// For tests that compare fused groups with their trials alone on the CPU: LibTorch's kernels
// (common/cpu.h), so that the trials alone make their products with the BLAS the groups'
// batched products use and step torch::optim's formulas as FusedOptimizer does. The comparison
// then sees the fused arithmetic, not two libraries' orders of summation (which an adaptive
// optimizer can widen past the tolerances over a few epochs).
class AloneWithLibTorchKernels : public ::testing::Test {
 protected:
  AloneWithLibTorchKernels() { set_cpu_kernels(CpuKernels::LibTorch); }
  ~AloneWithLibTorchKernels() override { set_cpu_kernels(CpuKernels::Tuned); }
};

// Relative difference, with an absolute floor for values near zero.
inline double gap(double a, double b) {
  return std::abs(a - b) / std::max(1.0, std::abs(b));
}

// Every epoch's metrics of `got` within `tolerance` of `want` (relative); returns the largest
// gap seen. Without `evaluation`, only the training metrics are compared.
inline double expect_same_curve(const TrainResult& got, const TrainResult& want, double tolerance,
                                const std::string& what, bool evaluation = true) {
  double worst = 0;
  EXPECT_EQ(got.stop_reason, want.stop_reason) << what;
  EXPECT_EQ(got.best_epoch, want.best_epoch) << what;
  EXPECT_EQ(got.history.size(), want.history.size()) << what;
  for (size_t e = 0; e < std::min(got.history.size(), want.history.size()); ++e) {
    const EpochMetrics &g = got.history[e], &w = want.history[e];
    EXPECT_EQ(g.epoch, w.epoch);
    for (const std::string metric : {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}) {
      if (!evaluation && metric.rfind("val_", 0) == 0) continue;
      double d = gap(g.get(metric), w.get(metric));
      worst = std::max(worst, d);
      EXPECT_LE(d, tolerance) << what << " epoch " << g.epoch << " " << metric << ": "
                              << g.get(metric) << " fused, " << w.get(metric) << " alone";
    }
  }
  EXPECT_EQ(got.test.has_value(), want.test.has_value()) << what;
  if (evaluation && got.test && want.test) {
    worst = std::max(worst, gap(got.test->loss, want.test->loss));
    EXPECT_LE(gap(got.test->loss, want.test->loss), tolerance) << what << " test_loss";
  }
  return worst;
}

// The same losses, bit for bit, epoch by epoch and on the test split (a trial next to others
// that stop against the same trial in the group where nobody stops).
inline void expect_identical_curves(const TrainResult& got, const TrainResult& want,
                                    const std::string& what) {
  ASSERT_EQ(got.history.size(), want.history.size()) << what;
  for (size_t e = 0; e < got.history.size(); ++e) {
    EXPECT_EQ(got.history[e].train_loss, want.history[e].train_loss) << what;
    EXPECT_EQ(got.history[e].val_loss, want.history[e].val_loss) << what;
  }
  ASSERT_EQ(got.test.has_value(), want.test.has_value()) << what;
  if (got.test) {
    EXPECT_EQ(got.test->loss, want.test->loss) << what;
  }
}

// Padded widths (units 16, 24, 8 and a second layer 12, 5, 9), mixed activations (sigmoid's
// padded units would be 0.5 without the mask), weight decay and knobs that differ per trial.
inline std::vector<Json> mixed_group(const std::string& optimizer) {
  std::vector<Json> group = {
      {{"layers", 2},
       {"units", 16},
       {"units_1", 12},
       {"activation", "relu"},
       {"lr", 0.003},
       {"seed", 1},
       {"weight_decay", 0.01}},
      {{"layers", 2},
       {"units", 24},
       {"units_1", 5},
       {"activation", "sigmoid"},
       {"lr", 0.01},
       {"seed", 2}},
      {{"layers", 2},
       {"units_0", 8},
       {"units_1", 9},
       {"activation", "tanh"},
       {"lr", 0.001},
       {"seed", 3},
       {"weight_decay", 0.05}},
      {{"layers", 2}, {"units", 24}, {"activation", "gelu"}, {"lr", 0.002}, {"seed", 4}}};
  for (auto& c : group) {
    c["optimizer"] = optimizer;
    c["epochs"] = 4;
    c["batch_size"] = 32;
  }
  if (optimizer == "sgd") {
    group[0]["momentum"] = 0.9;
    group[1]["momentum"] = 0.5;
    group[1]["nesterov"] = true;
    for (auto& c : group) c["lr"] = c["lr"].get<double>() * 10;
  }
  if (optimizer == "rmsprop") {
    group[0]["momentum"] = 0.5;
    group[2]["alpha"] = 0.9;
  }
  if (optimizer == "adam" || optimizer == "adamw") {
    group[1]["beta1"] = 0.8;
    group[3]["beta2"] = 0.99;
  }
  return group;
}

// `configs` as one fused group on examples of `shape` (kSmallData's by default), on `device`.
inline FusedTrainer fused(const std::vector<Json>& configs, const InputShape& shape = kSmallShape,
                          const torch::Device& device = torch::kCPU) {
  std::vector<Hyperparameters> hps;
  for (const auto& c : configs) hps.emplace_back(c, "test");
  return make_fused_trainer(hps, shape, kSmallClasses, device);
}

// cnn groups on small images: filters padded per block (trial 2 has 3 and 4 of the group's 6
// and 5), dense widths padded, mixed activations (trial 2's sigmoid would make its padded
// channels 0.5 without the mask), dropout in two trials, weight decay, and knobs per trial.
inline std::vector<Json> cnn_group(bool batch_norm, const std::string& optimizer) {
  std::vector<Json> group = {
      {{"filters", 4}, {"dense_units", 16}, {"activation", "relu"}, {"lr", 0.003}, {"seed", 1}},
      {{"filters_0", 6},
       {"filters_1", 5},
       {"dense_units", 8},
       {"activation", "elu"},
       {"dropout", 0.3},
       {"lr", 0.01},
       {"seed", 2},
       {"weight_decay", 0.01}},
      {{"filters_0", 3},
       {"filters_1", 4},
       {"dense_units", 12},
       {"activation", "sigmoid"},
       {"lr", 0.002},
       {"seed", 3}},
      {{"filters", 5},
       {"dense_units", 16},
       {"activation", "tanh"},
       {"dropout", 0.5},
       {"lr", 0.005},
       {"seed", 4}}};
  for (auto& c : group) {
    c["model"] = "cnn";
    c["blocks"] = 2;
    c["batch_norm"] = batch_norm;
    c["optimizer"] = optimizer;
    c["epochs"] = 3;
    c["batch_size"] = 32;
  }
  if (optimizer == "sgd") {
    group[0]["momentum"] = 0.9;
    group[2]["momentum"] = 0.5;
    group[2]["nesterov"] = true;
    for (auto& c : group) c["lr"] = c["lr"].get<double>() * 10;
  }
  if (optimizer == "rmsprop") group[0]["momentum"] = 0.5;
  if (optimizer == "adam" || optimizer == "adamw") group[3]["beta1"] = 0.8;
  // A convolution's bias before batch norm has no true gradient: its gradient is float noise,
  // which adam and rmsprop scale up to full steps, and the evaluation-mode running mean lags
  // the bias it then walks to. Alone against alone with lr x (1 + 1e-6), validation losses
  // differ by up to 1e-2 (training losses by 5e-7). L2 decay gives the bias a true gradient,
  // which makes adam's curves repeatable; adamw's decoupled decay does not (see the test).
  if (batch_norm)
    for (auto& c : group)
      if (!c.contains("weight_decay")) c["weight_decay"] = 0.001;
  return group;
}

}  // namespace tune::testing
