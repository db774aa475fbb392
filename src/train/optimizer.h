#pragma once
// Optimizers from a trial's config:
//   optimizer     sgd | adam | adamw | rmsprop (default adam)
//   lr            (0, 10]; default 0.01 for sgd, 0.001 otherwise
//   weight_decay  [0, 1] (default 0; adamw: 0.01, decoupled)
//   momentum      [0, 1) for sgd and rmsprop (default 0)
//   nesterov      sgd only, needs momentum > 0 (default false)
//   beta1, beta2  adam/adamw, [0, 1) (defaults 0.9, 0.999)
//   alpha         rmsprop smoothing, [0, 1) (default 0.99)
//   eps           (0, 1] (default 1e-8)
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "common/hparams.h"

namespace tune {

const std::vector<std::string>& optimizer_names();

// The optimizer a config asks for, read and checked once (the knobs above, with their
// defaults): make_optimizer builds it, and fused groups (train/fused/) use it per trial.
struct OptimizerSpec {
  std::string name;
  double lr = 0;
  double weight_decay = 0;
  double eps = 1e-8;
  double momentum = 0;  // sgd, rmsprop
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999;  // adam, adamw
  double alpha = 0.99;                // rmsprop
};
OptimizerSpec optimizer_spec(const Hyperparameters& hp);
// The spec as the options of torch::optim's optimizer of that name (SGDOptions, AdamOptions,
// AdamWOptions, RMSpropOptions).
std::unique_ptr<torch::optim::OptimizerOptions> optimizer_options(const OptimizerSpec& spec);
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSpec& spec,
                                                        std::vector<torch::Tensor> parameters);

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Hyperparameters& hp,
                                                        std::vector<torch::Tensor> parameters);

}  // namespace tune
