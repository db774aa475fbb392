// What a graphed training step relies on, checked on the CPU: the one-trial device-resident
// optimizer over a lone model's parameters, learning rates written in place, and capture_steps
// leaving CPU training as it was. The graphs themselves are tested in tests/gpu.
#include <gtest/gtest.h>

#include "common/cpu.h"
#include "train/fused/fused_optimizer.h"
#include "train/step_graph.h"

#include "../support/training.h"

namespace tune {
namespace {

// A one-trial FusedOptimizer steps a model's own (unstacked) parameters as torch::optim does.
TEST(OneTrialFusedOptimizer, MatchesTorchOptimOnUnstackedParameters) {
  for (const std::string name : {"sgd", "adam", "adamw", "rmsprop"}) {
    OptimizerSpec spec;
    spec.name = name;
    spec.lr = 0.02;
    spec.weight_decay = 0.01;
    spec.momentum = name == "sgd" || name == "rmsprop" ? 0.5 : 0;
    spec.nesterov = name == "sgd";
    torch::manual_seed(1);
    std::vector<torch::Tensor> ours = {torch::randn({4, 5}), torch::randn({5}),
                                       torch::randn({2, 3, 3, 3})};
    std::vector<torch::Tensor> theirs;
    for (auto& p : ours) {
      p.requires_grad_();
      theirs.push_back(p.detach().clone().requires_grad_());
    }
    FusedOptimizer fused_opt(ours, {spec});
    set_cpu_kernels(CpuKernels::LibTorch);  // torch::optim's own, not CpuOptimizer
    auto reference = make_optimizer(spec, theirs);
    set_cpu_kernels(CpuKernels::Tuned);
    for (int step = 0; step < 20; ++step) {
      fused_opt.zero_grad();
      for (size_t i = 0; i < ours.size(); ++i) {
        auto g = torch::randn(ours[i].sizes());
        if (ours[i].grad().defined())
          ours[i].mutable_grad().copy_(g);  // the tensor a captured step keeps
        else
          ours[i].mutable_grad() = g.clone();
        theirs[i].mutable_grad() = g;
      }
      fused_opt.step();
      reference->step();
    }
    for (size_t i = 0; i < ours.size(); ++i)
      EXPECT_LT((ours[i] - theirs[i]).abs().max().item<double>(), 1e-6)
          << name << " parameter " << i;
  }
}

TEST(OneTrialFusedOptimizer, ANewLearningRateTakesEffectAtTheNextStep) {
  OptimizerSpec spec;
  spec.name = "sgd";
  spec.lr = 0.1;
  auto p = torch::zeros({3}).requires_grad_();
  FusedOptimizer opt({p}, {spec});
  p.mutable_grad() = torch::ones({3});
  opt.step();
  EXPECT_TRUE(torch::allclose(p, torch::full({3}, -0.1)));
  opt.set_lr(0, 0.5);
  opt.step();
  EXPECT_TRUE(torch::allclose(p, torch::full({3}, -0.6)));
  opt.freeze(0);
  opt.step();
  EXPECT_TRUE(torch::allclose(p, torch::full({3}, -0.6)));
}

TEST(GraphedStep, RunsEachStepEagerlyOnTheCpu) {
  int steps = 0;
  GraphedStep step([&] { ++steps; }, torch::kCPU, {}, "cpu", 1);
  for (int i = 0; i < 4; ++i) step.run();
  EXPECT_EQ(steps, 4);
  EXPECT_FALSE(step.captured());
}

// On the CPU capture_steps is ignored: the same numbers, bit for bit, from torch::optim.
TEST(GraphedStep, CaptureStepsLeavesCpuTrainingAsItWas) {
  auto data = load_dataset(testing::kSmallData, "data");
  const Json config = {{"units", 16}, {"epochs", 2}, {"batch_size", 32}, {"dropout", 0.2}};
  Trainer plain = testing::make_trainer(config);
  Trainer asked = testing::make_trainer(config);
  asked.capture_steps(optimizer_spec(Hyperparameters(config, "test")));
  TrainResult a = plain.fit(data), b = asked.fit(data);
  EXPECT_FALSE(asked.replayed_graph());
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss);
    EXPECT_EQ(a.history[e].val_accuracy, b.history[e].val_accuracy);
  }
}

}  // namespace
}  // namespace tune
