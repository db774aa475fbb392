#pragma once
// K mlp trials trained as one batched model. Each Linear is a batched matmul over weights
// stacked per trial ([K, in, out], biases [K, 1, out]); inputs are [K, B, ...], each trial its
// own batch. Hidden widths are padded to the group's largest per layer, and the padded units
// are multiplied by 0 after the activation, so they stay exactly zero and take no gradient: a
// padded trial computes what it would alone. Each trial's activation applies to its own rows,
// and its dropout draws its masks, at its own width, from generators seeded as the Trainer
// seeds the same trial alone (train/generators.h), so a trial's masks are those it would get
// alone. Initial weights are copied from the model the builder and initialize_parameters give
// the trial alone. Trials of a group have the same number of layers and no batch norm.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "models/builders.h"

namespace tune {

class FusedMlp {
 public:
  // Trial k is specs[k] with initial weights from seeds[k], on `device`. Throws ConfigError
  // when the trials cannot share a group (layer counts or inputs differ, batch norm).
  FusedMlp(std::vector<MlpSpec> specs, int64_t num_classes, const std::vector<uint64_t>& seeds,
           const torch::Device& device);

  int64_t trials() const { return static_cast<int64_t>(specs_.size()); }
  const MlpSpec& spec(int64_t trial) const { return specs_.at(trial); }
  torch::Device device() const { return layers_.front().weight.device(); }

  // [K, B, ...] to logits [K, B, classes].
  torch::Tensor forward(const torch::Tensor& x);
  // Training mode turns dropout on; evaluation mode off.
  void train(bool on = true) { training_ = on; }
  // Fresh dropout generators, seeded from each trial's seed (at the start of training).
  void seed_dropout();
  // The dropout generators seed_dropout made (a captured step registers them).
  std::vector<at::Generator> dropout_generators() const;

  // Every stacked weight and bias, each [K, ...].
  std::vector<torch::Tensor> parameters() const;
  // Trial k's slices of parameters() (views: writing them writes the group's weights).
  std::vector<torch::Tensor> trial_state(int64_t trial) const;
  // Trial k's weights in the model it would have alone (its own widths), copied.
  torch::nn::Sequential trial_model(int64_t trial) const;

 private:
  struct Layer {
    torch::Tensor weight;  // [K, in, out]
    torch::Tensor bias;    // [K, 1, out]
    torch::Tensor units;   // hidden layers with padding: [K, 1, out], 1 for a trial's units
  };
  struct Activation {
    torch::nn::AnyModule module;
    torch::Tensor rows;  // [K, 1, 1] bool: the trials using it
  };

  torch::Tensor activate(const torch::Tensor& h, size_t layer);
  // What multiplies hidden layer `layer`'s activations (undefined: nothing): dropout masks in
  // training, else the padding mask.
  torch::Tensor unit_mask(size_t layer, int64_t batch);

  std::vector<MlpSpec> specs_;
  std::vector<uint64_t> seeds_;
  int64_t num_classes_;
  std::vector<Layer> layers_;
  std::vector<std::vector<Activation>> activations_;  // [hidden layer]: one per activation used
  // [trial][hidden layer]: the layer's dropout generator (undefined where it has no dropout).
  std::vector<std::vector<at::Generator>> dropout_;
  bool training_ = true;
};

}  // namespace tune
