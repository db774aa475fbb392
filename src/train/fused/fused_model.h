#pragma once
// What FusedTrainer trains: K trials as one batched model, each trial's weights a slice of
// tensors stacked along a leading trial dimension. Inputs are [K, B, ...], each trial its own
// batch of B examples; outputs are logits [K, B, classes]. A trial computes exactly what it
// would alone: its own widths (padding stays exactly zero), activations, dropout masks (from
// generators seeded as the Trainer seeds the trial alone) and batch-norm statistics.
// Implementations: FusedMlp (fused_mlp.h), FusedCnn (fused_cnn.h).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace tune {

class FusedModel {
 public:
  virtual ~FusedModel() = default;

  virtual int64_t trials() const = 0;
  virtual torch::Device device() const = 0;
  // [K, B, ...] to logits [K, B, classes].
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // Training mode turns dropout and batch statistics on; evaluation mode off.
  virtual void train(bool on) = 0;
  // Fresh dropout generators, seeded from each trial's seed (at the start of training).
  virtual void seed_dropout() = 0;
  // The dropout generators seed_dropout made (a captured training step registers them).
  virtual std::vector<at::Generator> dropout_generators() const = 0;

  // Every stacked trainable tensor, each [K, ...] (what the optimizer steps).
  virtual std::vector<torch::Tensor> parameters() const = 0;
  // Trial k's slices of parameters() and of any running statistics (views: writing them
  // writes the group's), as a TrainerControl snapshots and restores them. Views of the
  // detached tensors, outside autograd: a view with history would keep each parameter's
  // gradient accumulator alive on the stream it was made on, and a CUDA graph capture of the
  // backward pass on another stream then fails (the legacy stream would wait on the capture).
  virtual std::vector<torch::Tensor> trial_state(int64_t trial) const = 0;
  // Trial k's weights and statistics in the model it would have alone (its own widths),
  // copied.
  virtual torch::nn::Sequential trial_model(int64_t trial) const = 0;
};

// ConfigError unless a group has trials and one seed per trial.
inline void check_group_size(size_t trials, size_t seeds) {
  if (trials == 0) throw ConfigError("fused group", "needs at least one trial");
  if (seeds != trials)
    throw ConfigError("fused group",
                      std::to_string(trials) + " trials but " + std::to_string(seeds) + " seeds");
}

// The layers of type Impl (torch::nn::LinearImpl, Conv2dImpl...) of a trial's model alone, in
// order: where a fused model copies its initial weights from, and its trained ones back to.
template <typename Impl>
std::vector<std::shared_ptr<Impl>> layers_of(const torch::nn::Sequential& model) {
  std::vector<std::shared_ptr<Impl>> out;
  for (const auto& child : model->children())
    if (auto layer = std::dynamic_pointer_cast<Impl>(child)) out.push_back(layer);
  return out;
}

}  // namespace tune
