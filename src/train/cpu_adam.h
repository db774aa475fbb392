#pragma once
// Adam and AdamW for a model on the CPU in one kernel call per step (LibTorch's
// _fused_adam_ and _fused_adamw_, which PyTorch runs for `fused=True`), instead of the eight or
// so tensor operations per parameter of torch::optim::Adam: for a small MLP that loop took a
// fifth of a training step. The same update as torch::optim::Adam and AdamW (L2 weight decay
// for adam, decoupled for adamw; bias corrections from a per-parameter step count), up to
// float rounding. make_optimizer picks it where every parameter is a CPU float32 tensor.
#include <torch/torch.h>

#include <vector>

#include "train/optimizer.h"

namespace tune {

class CpuAdam : public torch::optim::Optimizer {
 public:
  // `spec.name` is "adam" or "adamw". The group holds torch::optim's AdamOptions or
  // AdamWOptions, read at each step (a changed lr takes effect at the next).
  CpuAdam(std::vector<torch::Tensor> parameters, const OptimizerSpec& spec);
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  bool decoupled_;
  // Per parameter, made at the first step: the moving averages and the step count.
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_, steps_;
};

// Whether make_optimizer uses CpuAdam for these parameters: every one a CPU float32 tensor, and
// CpuKernels::Tuned (common/cpu.h).
bool cpu_adam_applies(const std::vector<torch::Tensor>& parameters);

}  // namespace tune
