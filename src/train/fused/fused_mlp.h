#pragma once
// K mlp trials trained as one batched model. Each Linear is a batched matmul over weights
// stacked per trial ([K, in, out], biases [K, 1, out]); inputs are [K, B, ...], each trial its
// own batch. Hidden widths are padded to the group's largest per layer, and the padded units
// are multiplied by 0 after the activation, so they stay exactly zero and take no gradient: a
// padded trial computes what it would alone. Inputs may be padded too (a fused cnn's dense
// head, whose trials have different filters): a trial's input features come first, and the
// padding must be zero. Each trial's activation applies to its own rows, and its dropout draws
// its masks, at its own width, from generators seeded as the Trainer seeds the same trial alone
// (train/generators.h), so a trial's masks are those it would get alone. Initial weights are
// copied from the model the builder and initialize_parameters give the trial alone. Trials of a
// group have the same number of layers and no batch norm.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "models/builders.h"
#include "train/fused/fused_model.h"
#include "train/fused/trial_activations.h"

namespace tune {

class FusedMlp : public FusedModel {
 public:
  // Trial k is specs[k] with initial weights from seeds[k], on `device`. Throws ConfigError
  // when the trials cannot share a group (layer counts differ, batch norm).
  FusedMlp(std::vector<MlpSpec> specs, int64_t num_classes, const std::vector<uint64_t>& seeds,
           const torch::Device& device);
  // The same with trial k's initial weights copied from the Linear layers of alone[k], in
  // order: they must be specs[k]'s (as in a cnn alone, whose head is an mlp).
  FusedMlp(std::vector<MlpSpec> specs, int64_t num_classes, const std::vector<uint64_t>& seeds,
           const std::vector<torch::nn::Sequential>& alone, const torch::Device& device);

  int64_t trials() const override { return static_cast<int64_t>(specs_.size()); }
  const MlpSpec& spec(int64_t trial) const { return specs_.at(trial); }
  torch::Device device() const override { return layers_.front().weight.device(); }

  torch::Tensor forward(const torch::Tensor& x) override;
  void train(bool on) override { training_ = on; }
  void seed_dropout() override;

  std::vector<torch::Tensor> parameters() const override;
  std::vector<torch::Tensor> trial_state(int64_t trial) const override;
  torch::nn::Sequential trial_model(int64_t trial) const override;
  // Writes trial k's weights into the Linear layers of `model` (on this device), in order.
  void copy_to(int64_t trial, torch::nn::Sequential& model) const;

 private:
  struct Layer {
    torch::Tensor weight;  // [K, in, out]
    torch::Tensor bias;    // [K, 1, out]
    torch::Tensor units;   // hidden layers with padding: [K, 1, out], 1 for a trial's units
  };

  // What multiplies hidden layer `layer`'s activations (undefined: nothing): dropout masks in
  // training, else the padding mask.
  torch::Tensor unit_mask(size_t layer, int64_t batch);

  std::vector<MlpSpec> specs_;
  std::vector<uint64_t> seeds_;
  int64_t num_classes_;
  std::vector<Layer> layers_;
  std::vector<TrialActivations> activations_;  // one per hidden layer
  // [trial][hidden layer]: the layer's dropout generator (undefined where it has no dropout).
  std::vector<std::vector<at::Generator>> dropout_;
  bool training_ = true;
};

}  // namespace tune
