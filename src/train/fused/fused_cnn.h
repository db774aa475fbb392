#pragma once
// K cnn trials trained as one batched model. The trials' images are laid side by side along
// the channels, [B, K*C, H, W], and each convolution is one grouped convolution (groups = K)
// over weights stacked per trial ([K, out, in, kh, kw]), so trial k's channels only ever see
// trial k's. Batch norm over the K*out channels keeps per-trial statistics (in training, each
// channel's batch mean and variance; in evaluation, its own running ones), pooling is per
// channel, and the dense head is a FusedMlp over each trial's flattened features.
//
// Filters per block may differ: they are padded to the group's largest, and the padded
// channels stay exactly zero (zero weights and bias, zero batch-norm scale and shift, and a
// mask after the activation, since sigmoid(0) or elu's shift would not be zero), so a padded
// trial computes what it would alone. Dense widths, activations and dropout may differ too.
// Blocks, kernel size, pooling, batch norm and the input must be the same; a trial without a
// dense layer cannot have dropout (its mask would fall on the flattened features, which the
// head does not draw yet). Initial weights are copied from the model the builder and
// initialize_parameters give each trial alone.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "models/builders.h"
#include "train/fused/fused_mlp.h"
#include "train/fused/fused_model.h"
#include "train/fused/trial_activations.h"

namespace tune {

class FusedCnn : public FusedModel {
 public:
  // Trial k is specs[k] with initial weights from seeds[k], on `device`. Throws ConfigError
  // when the trials cannot share a group.
  FusedCnn(std::vector<CnnSpec> specs, int64_t num_classes, const std::vector<uint64_t>& seeds,
           const torch::Device& device);

  int64_t trials() const override { return static_cast<int64_t>(specs_.size()); }
  torch::Device device() const override { return head_->device(); }
  torch::Tensor forward(const torch::Tensor& x) override;
  void train(bool on) override;
  void seed_dropout() override { head_->seed_dropout(); }

  std::vector<torch::Tensor> parameters() const override;
  std::vector<torch::Tensor> trial_state(int64_t trial) const override;
  torch::nn::Sequential trial_model(int64_t trial) const override;

 private:
  struct Block {
    torch::Tensor weight;  // [K, out, in, kh, kw]
    torch::Tensor bias;    // [K, out]
    // Batch norm (undefined without): scale and shift [K, out], running statistics [K, out].
    torch::Tensor gamma, beta, running_mean, running_var;
    torch::Tensor channels;  // with padding: [1, K*out, 1, 1], 1 for a trial's channels
  };
  torch::Tensor block_forward(size_t i, const torch::Tensor& h);

  std::vector<CnnSpec> specs_;
  int64_t num_classes_;
  std::vector<Block> blocks_;
  std::unique_ptr<TrialActivations> activation_;  // over [B, K, C, H, W]
  std::unique_ptr<FusedMlp> head_;
  double momentum_ = 0.1, eps_ = 1e-5;  // batch norm's, read from the models alone
  bool training_ = true;
};

}  // namespace tune
