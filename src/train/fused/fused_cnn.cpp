#include "train/fused/fused_cnn.h"

#include <algorithm>

#include "common/error.h"
#include "train/trainer.h"

namespace tune {
namespace {

namespace F = torch::nn::functional;

std::string image_text(const std::array<int64_t, 3>& image) {
  return std::to_string(image[0]) + "x" + std::to_string(image[1]) + "x" + std::to_string(image[2]);
}

void check_group(const std::vector<CnnSpec>& specs, const std::vector<uint64_t>& seeds) {
  check_group_size(specs.size(), seeds.size());
  const CnnSpec& first = specs[0];
  for (size_t k = 0; k < specs.size(); ++k) {
    const CnnSpec& s = specs[k];
    const std::string where = "fused group: trial " + std::to_string(k);
    auto same = [&](const std::string& knob, const std::string& mine, const std::string& group) {
      if (mine != group)
        throw ConfigError(where, knob + " " + mine + " differs from the group's " + group);
    };
    if (s.dense == 0 && s.dropout > 0)
      throw ConfigError(where, "dropout without dense_units cannot be fused yet");
    same("blocks", std::to_string(s.filters.size()), std::to_string(first.filters.size()));
    same("kernel_size", std::to_string(s.kernel), std::to_string(first.kernel));
    same("pool", s.pool, first.pool);
    same("batch_norm", s.batch_norm ? "true" : "false", first.batch_norm ? "true" : "false");
    same("input", image_text(s.image), image_text(first.image));
    same("dense_units", s.dense > 0 ? "> 0" : "0", first.dense > 0 ? "> 0" : "0");
  }
}

// The dense head of a cnn alone, as an mlp over its flattened features.
MlpSpec head_spec(const CnnSpec& s) {
  MlpSpec head;
  const std::array<int64_t, 2> size = s.pooled_size();
  head.inputs = s.filters.back() * size[0] * size[1];
  if (s.dense > 0) {
    head.units = {s.dense};
    head.activations = {s.activation};
    head.dropouts = {s.dropout};
  }
  return head;
}

}  // namespace

FusedCnn::FusedCnn(std::vector<CnnSpec> specs, int64_t num_classes,
                   const std::vector<uint64_t>& seeds, const torch::Device& device)
    : specs_(std::move(specs)), num_classes_(num_classes) {
  check_group(specs_, seeds);
  const int64_t K = trials(), kernel = specs_[0].kernel;
  std::vector<torch::nn::Sequential> alone;
  for (int64_t k = 0; k < K; ++k) {
    alone.push_back(build_cnn_from(specs_[k], num_classes));
    initialize_parameters(*alone.back(), seeds[k]);
  }
  int64_t in = specs_[0].image[0];
  for (size_t i = 0; i < specs_[0].filters.size(); ++i) {
    int64_t out = 0;
    for (const auto& s : specs_) out = std::max(out, s.filters[i]);
    Block b;
    b.weight = torch::zeros({K, out, in, kernel, kernel});
    b.bias = torch::zeros({K, out});
    if (specs_[0].batch_norm) {
      b.gamma = torch::zeros({K, out});
      b.beta = torch::zeros({K, out});
      b.running_mean = torch::zeros({K, out});
      b.running_var = torch::ones({K, out});
    }
    auto channels = torch::zeros({K, out});
    bool padded = false;
    for (int64_t k = 0; k < K; ++k) {
      channels[k].narrow(0, 0, specs_[k].filters[i]).fill_(1);
      padded = padded || specs_[k].filters[i] < out;
    }
    if (padded) b.channels = channels.view({1, K * out, 1, 1}).to(device);
    blocks_.push_back(b);
    in = out;
  }
  // Each trial's initial weights and statistics: those of its model alone, in its slices.
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < K; ++k) {
    auto convs = layers_of<torch::nn::Conv2dImpl>(alone[k]);
    auto norms = layers_of<torch::nn::BatchNorm2dImpl>(alone[k]);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      Block& b = blocks_[i];
      const auto& w = convs[i]->weight;  // [out, in, kh, kw]
      b.weight[k].narrow(0, 0, w.size(0)).narrow(1, 0, w.size(1)).copy_(w);
      b.bias[k].narrow(0, 0, w.size(0)).copy_(convs[i]->bias);
      if (!b.gamma.defined()) continue;
      b.gamma[k].narrow(0, 0, w.size(0)).copy_(norms[i]->weight);
      b.beta[k].narrow(0, 0, w.size(0)).copy_(norms[i]->bias);
      b.running_mean[k].narrow(0, 0, w.size(0)).copy_(norms[i]->running_mean);
      b.running_var[k].narrow(0, 0, w.size(0)).copy_(norms[i]->running_var);
      momentum_ = norms[i]->options.momentum().value_or(momentum_);
      eps_ = norms[i]->options.eps();
    }
  }
  for (auto& b : blocks_) {
    b.weight = b.weight.to(device).requires_grad_();
    b.bias = b.bias.to(device).requires_grad_();
    if (!b.gamma.defined()) continue;
    b.gamma = b.gamma.to(device).requires_grad_();
    b.beta = b.beta.to(device).requires_grad_();
    b.running_mean = b.running_mean.to(device);
    b.running_var = b.running_var.to(device);
  }
  std::vector<std::string> activations;
  std::vector<MlpSpec> heads;
  for (const auto& s : specs_) {
    activations.push_back(s.activation);
    heads.push_back(head_spec(s));
  }
  activation_ = std::make_unique<TrialActivations>(activations, 5, 1, device);
  head_ = std::make_unique<FusedMlp>(std::move(heads), num_classes, seeds, alone, device);
}

void FusedCnn::train(bool on) {
  training_ = on;
  head_->train(on);
}

torch::Tensor FusedCnn::block_forward(size_t i, const torch::Tensor& x) {
  const Block& b = blocks_[i];
  const int64_t K = trials(), out = b.weight.size(1);
  torch::Tensor h = F::conv2d(
      x, b.weight.flatten(0, 1),
      F::Conv2dFuncOptions().bias(b.bias.flatten()).padding(specs_[0].kernel / 2).groups(K));
  if (b.gamma.defined())
    h = torch::batch_norm(h, b.gamma.flatten(), b.beta.flatten(), b.running_mean.view(-1),
                          b.running_var.view(-1), training_, momentum_, eps_,
                          /*cudnn_enabled=*/true);
  const int64_t batch = h.size(0), height = h.size(2), width = h.size(3);
  h = (*activation_)(h.view({batch, K, out, height, width})).view({batch, K * out, height, width});
  if (b.channels.defined()) h = h * b.channels;
  if (specs_[0].pool == "max") return torch::max_pool2d(h, {2, 2});
  if (specs_[0].pool == "avg") return torch::avg_pool2d(h, {2, 2});
  return h;
}

torch::Tensor FusedCnn::forward(const torch::Tensor& x) {
  const int64_t K = trials(), batch = x.size(1);
  const std::array<int64_t, 3>& image = specs_[0].image;
  // Trial k's images become channels [k*C, (k+1)*C) of one batch of B images.
  torch::Tensor h = x.reshape({K, batch, image[0], image[1], image[2]})
                        .transpose(0, 1)
                        .reshape({batch, K * image[0], image[1], image[2]});
  for (size_t i = 0; i < blocks_.size(); ++i) h = block_forward(i, h);
  // Each trial's channels flattened as Flatten flattens them alone: [K, B, C*H*W], its real
  // channels first and its padded (zero) ones after.
  return head_->forward(h.reshape({batch, K, -1}).transpose(0, 1));
}

std::vector<torch::Tensor> FusedCnn::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& b : blocks_)
    for (const auto& t : {b.weight, b.bias, b.gamma, b.beta})
      if (t.defined()) out.push_back(t);
  for (const auto& t : head_->parameters()) out.push_back(t);
  return out;
}

std::vector<torch::Tensor> FusedCnn::trial_state(int64_t trial) const {
  std::vector<torch::Tensor> out;
  for (const auto& p : parameters()) out.push_back(p.detach().select(0, trial));
  for (const auto& b : blocks_)
    if (b.running_mean.defined()) {
      out.push_back(b.running_mean.select(0, trial));
      out.push_back(b.running_var.select(0, trial));
    }
  return out;
}

torch::nn::Sequential FusedCnn::trial_model(int64_t trial) const {
  torch::nn::Sequential model = build_cnn_from(specs_.at(trial), num_classes_);
  model->to(device());
  torch::NoGradGuard no_grad;
  auto convs = layers_of<torch::nn::Conv2dImpl>(model);
  auto norms = layers_of<torch::nn::BatchNorm2dImpl>(model);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& b = blocks_[i];
    auto& w = convs[i]->weight;
    const int64_t out = w.size(0);
    w.copy_(b.weight[trial].narrow(0, 0, out).narrow(1, 0, w.size(1)));
    convs[i]->bias.copy_(b.bias[trial].narrow(0, 0, out));
    if (!b.gamma.defined()) continue;
    norms[i]->weight.copy_(b.gamma[trial].narrow(0, 0, out));
    norms[i]->bias.copy_(b.beta[trial].narrow(0, 0, out));
    norms[i]->running_mean.copy_(b.running_mean[trial].narrow(0, 0, out));
    norms[i]->running_var.copy_(b.running_var[trial].narrow(0, 0, out));
  }
  head_->copy_to(trial, model);
  return model;
}

}  // namespace tune
