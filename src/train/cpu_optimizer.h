#pragma once
// sgd, adam, adamw and rmsprop for a model on the CPU, each parameter updated in one call
// instead of torch::optim's five to eight tensor operations per parameter: for a small MLP those
// loops took a fifth of a training step (adam) and more than two fifths (rmsprop, whose update
// also takes a square root of every value on its own). Adam and AdamW run LibTorch's
// _fused_adam_ and _fused_adamw_ (what PyTorch runs for `fused=True`); sgd and rmsprop, which
// LibTorch has no fused CPU kernel for, run one loop of ours per parameter (cpu_optimizer.cpp).
// The same update as torch::optim's SGD, Adam, AdamW and RMSprop, up to float rounding: L2 weight
// decay but for adamw's decoupled one, adam's bias corrections from a per-parameter step count,
// sgd's momentum buffer starting as the first gradient, rmsprop not centered. make_optimizer
// picks it where every parameter is a contiguous CPU float32 tensor.
#include <torch/torch.h>

#include <vector>

#include "train/optimizer.h"

namespace tune {

class CpuOptimizer : public torch::optim::Optimizer {
 public:
  // The group holds the torch::optim options of `spec.name` (SGDOptions, AdamOptions,
  // AdamWOptions or RMSpropOptions), read at each step: a changed lr takes effect at the next.
  CpuOptimizer(std::vector<torch::Tensor> parameters, const OptimizerSpec& spec);
  torch::Tensor step(LossClosure closure = nullptr) override;
  // Its per-parameter state (not torch::optim's format): a checkpoint that training goes on
  // from (train/weights_archive.h). load throws std::runtime_error for another optimizer's
  // state or another number of parameters; the group's options stay as they are.
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  enum class Kind { Sgd, Adam, AdamW, RmsProp };
  void step_adam(const std::vector<size_t>& stepped);
  Kind kind_;
  // Per parameter, made at its first step: adam's moving averages and step count, rmsprop's
  // square average, and the momentum buffer of sgd and rmsprop.
  std::vector<torch::Tensor> first_, second_, steps_;
};

// Whether make_optimizer uses CpuOptimizer for these parameters: every one a contiguous CPU
// float32 tensor, and CpuKernels::Tuned (common/cpu.h).
bool cpu_optimizer_applies(const std::vector<torch::Tensor>& parameters);

}  // namespace tune
