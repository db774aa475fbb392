#pragma once
// The optimizers of K fused trials over their stacked parameters (each [K, ...]), one kind per
// group (sgd with momentum and nesterov, adam, adamw, rmsprop) with every knob per trial: lr,
// weight decay, betas, momentum, alpha, eps and the step count live in tensors of size K on
// the parameters' device and broadcast over each parameter's trailing dims. Nothing in a step
// reads a host scalar per trial, so the step can be captured in a CUDA graph
// (train/step_graph.h): changing a knob writes the same device tensors. With one trial
// (K = 1) the parameters may also be a lone model's, unstacked (the Trainer's graphed step).
// Each trial's update is torch::optim's for that trial (the same formulas; per-trial
// coefficients such as bias corrections computed in double, as torch::optim computes them on
// the host).
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "train/optimizer.h"

namespace tune {

class FusedOptimizer {
 public:
  // Trial k steps with specs[k]; all of one kind. Throws ConfigError otherwise.
  FusedOptimizer(std::vector<torch::Tensor> parameters, const std::vector<OptimizerSpec>& specs);

  // Zeroes the gradients in place (their tensors stay, as a captured graph needs).
  void zero_grad();
  void step();
  // Trial k's parameters keep their values from now on (its learning rate becomes 0).
  void freeze(int64_t trial);
  // Trial k's learning rate from the next step on (a schedule's change between epochs).
  void set_lr(int64_t trial, double lr);
  // Every trial's learning rate at once (one write of the device tensors).
  void set_lrs(const std::vector<double>& lr);
  // Trial k's learning rate as its spec gave it.
  double initial_lr(int64_t trial) const { return initial_lr_.at(static_cast<size_t>(trial)); }

 private:
  // The per-trial numbers a step uses, [K] in the parameters' dtype (computed in double).
  struct Coefficients {
    torch::Tensor beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay,
        keep_after_decay, momentum, alpha, one_minus_alpha, neg_lr, nesterov;
    torch::Tensor neg_step_size, root_correction2;  // adam, this step's
  };
  void refresh();  // the step-independent coefficients, after construction and each freeze
  // [K] as [K, 1, ...], to broadcast over p.
  static torch::Tensor per_trial(const torch::Tensor& values, const torch::Tensor& p);
  void sgd(torch::Tensor& p, torch::Tensor g, size_t i);
  void adam(torch::Tensor& p, torch::Tensor g, size_t i, bool decoupled);
  void rmsprop(torch::Tensor& p, torch::Tensor g, size_t i);

  std::string kind_;
  std::vector<torch::Tensor> params_;
  // Per trial, [K] float64: the knobs, and the steps taken.
  torch::Tensor lr_, weight_decay_, eps_, momentum_, beta1_, beta2_, alpha_, steps_;
  torch::Tensor nesterov_;  // [K] bool
  std::vector<double> initial_lr_;
  bool decay_ = false, momentum_on_ = false;
  Coefficients c_;
  // Per parameter: first moment or momentum buffer, second moment or square average, and
  // scratch space, so that a step allocates nothing the size of a parameter.
  std::vector<torch::Tensor> first_, second_, scratch_;
};

}  // namespace tune
