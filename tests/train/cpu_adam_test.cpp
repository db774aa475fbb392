#include "train/cpu_adam.h"

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

OptimizerSpec spec(const std::string& name, double weight_decay) {
  OptimizerSpec s;
  s.name = name;
  s.lr = 0.01;
  s.weight_decay = weight_decay;
  s.beta1 = 0.8;
  s.beta2 = 0.99;
  s.eps = 1e-6;
  return s;
}

TEST(CpuAdam, StepsAsTorchOptimAdamAndAdamW) {
  namespace optim = torch::optim;
  for (const std::string name : {"adam", "adamw"})
    for (double decay : {0.0, 0.05}) {
      const OptimizerSpec s = spec(name, decay);
      auto ours_params = fresh_parameters();
      CpuAdam ours(ours_params, s);
      auto theirs_params = fresh_parameters();
      auto betas = std::make_tuple(s.beta1, s.beta2);
      std::unique_ptr<optim::Optimizer> theirs;
      if (name == "adam")
        theirs = std::make_unique<optim::Adam>(
            theirs_params, optim::AdamOptions(s.lr).betas(betas).eps(s.eps).weight_decay(decay));
      else
        theirs = std::make_unique<optim::AdamW>(
            theirs_params, optim::AdamWOptions(s.lr).betas(betas).eps(s.eps).weight_decay(decay));
      auto a = train(ours, ours_params, 40), b = train(*theirs, theirs_params, 40);
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << name << " decay " << decay;
        EXPECT_FALSE(torch::equal(a[i], fresh_parameters()[i])) << "it stepped";
      }
    }
}

TEST(CpuAdam, MakeOptimizerPicksItForCpuFloatParametersWithTunedKernels) {
  auto adam = [](std::vector<torch::Tensor> params) {
    return make_optimizer(Hyperparameters(Json{{"optimizer", "adamw"}}, "cfg"), params);
  };
  EXPECT_NE(dynamic_cast<CpuAdam*>(adam(fresh_parameters()).get()), nullptr);
  auto doubles = torch::zeros({3}, torch::kDouble).requires_grad_();
  EXPECT_EQ(dynamic_cast<CpuAdam*>(adam({doubles}).get()), nullptr);
  set_cpu_kernels(CpuKernels::LibTorch);
  EXPECT_EQ(dynamic_cast<CpuAdam*>(adam(fresh_parameters()).get()), nullptr);
  set_cpu_kernels(CpuKernels::Tuned);
}

}  // namespace
}  // namespace tune
