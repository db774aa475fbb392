#include "train/cpu_optimizer.h"

#include <gtest/gtest.h>

#include "common/cpu.h"

namespace tune {
namespace {

std::vector<torch::Tensor> fresh_parameters() {
  torch::manual_seed(21);
  return {torch::randn({7, 5}).requires_grad_(), torch::randn({7}).requires_grad_(),
          torch::randn({3, 7}).requires_grad_()};
}

// `steps` steps of `optimizer` with the same pseudo-random gradients every time; the last
// parameter gets none on even steps (torch::optim then skips it and its step count).
std::vector<torch::Tensor> train(torch::optim::Optimizer& optimizer,
                                 std::vector<torch::Tensor> params, int steps) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(22);
  for (int s = 0; s < steps; ++s) {
    optimizer.zero_grad(/*set_to_none=*/true);
    for (size_t i = 0; i < params.size(); ++i) {
      if (i + 1 == params.size() && s % 2 == 0) continue;
      params[i].mutable_grad() = torch::randn(params[i].sizes(), gen);
    }
    if (s == steps / 2) optimizer.param_groups()[0].options().set_lr(0.003);
    optimizer.step();
  }
  return params;
}

// Knobs away from their defaults, so that a knob read wrongly shows.
OptimizerSpec spec(const std::string& name, double weight_decay, double momentum, bool nesterov) {
  OptimizerSpec s;
  s.name = name;
  s.lr = 0.01;
  s.weight_decay = weight_decay;
  s.momentum = momentum;
  s.nesterov = nesterov;
  s.beta1 = 0.8;
  s.beta2 = 0.99;
  s.alpha = 0.9;
  s.eps = 1e-6;
  return s;
}

// torch::optim's own optimizer for `s`.
std::unique_ptr<torch::optim::Optimizer> libtorch_optimizer(const OptimizerSpec& s,
                                                            std::vector<torch::Tensor> params) {
  set_cpu_kernels(CpuKernels::LibTorch);
  auto optimizer = make_optimizer(s, std::move(params));
  set_cpu_kernels(CpuKernels::Tuned);
  EXPECT_EQ(dynamic_cast<CpuOptimizer*>(optimizer.get()), nullptr);
  return optimizer;
}

TEST(CpuOptimizer, StepsAsTorchOptim) {
  struct Case {
    std::string name;
    double momentum;
    bool nesterov;
  };
  const std::vector<Case> cases = {
      {"sgd", 0, false},   {"sgd", 0.9, false},   {"sgd", 0.8, true},     {"adam", 0, false},
      {"adamw", 0, false}, {"rmsprop", 0, false}, {"rmsprop", 0.7, false}};
  for (const Case& c : cases)
    for (double decay : {0.0, 0.05}) {
      const OptimizerSpec s = spec(c.name, decay, c.momentum, c.nesterov);
      const std::string what =
          c.name + " momentum " + std::to_string(c.momentum) + " decay " + std::to_string(decay);
      auto ours_params = fresh_parameters();
      CpuOptimizer ours(ours_params, s);
      auto theirs_params = fresh_parameters();
      auto theirs = libtorch_optimizer(s, theirs_params);
      auto a = train(ours, ours_params, 40), b = train(*theirs, theirs_params, 40);
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6))
            << what << ": parameter " << i << " differs by "
            << (a[i] - b[i]).abs().max().item<float>();
        EXPECT_FALSE(torch::equal(a[i], fresh_parameters()[i])) << what << ": it stepped";
      }
    }
}

TEST(CpuOptimizer, MakeOptimizerPicksItForContiguousCpuFloatParametersWithTunedKernels) {
  for (const std::string name : {"sgd", "adam", "adamw", "rmsprop"}) {
    auto make = [&](std::vector<torch::Tensor> params) {
      return make_optimizer(Hyperparameters(Json{{"optimizer", name}}, "cfg"), params);
    };
    EXPECT_NE(dynamic_cast<CpuOptimizer*>(make(fresh_parameters()).get()), nullptr) << name;
    auto doubles = torch::zeros({3}, torch::kDouble).requires_grad_();
    EXPECT_EQ(dynamic_cast<CpuOptimizer*>(make({doubles}).get()), nullptr) << name;
    auto strided = torch::zeros({4, 3}).t().requires_grad_();
    EXPECT_EQ(dynamic_cast<CpuOptimizer*>(make({strided}).get()), nullptr) << name;
    set_cpu_kernels(CpuKernels::LibTorch);
    EXPECT_EQ(dynamic_cast<CpuOptimizer*>(make(fresh_parameters()).get()), nullptr) << name;
    set_cpu_kernels(CpuKernels::Tuned);
  }
}

}  // namespace
}  // namespace tune
