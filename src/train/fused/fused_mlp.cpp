#include "train/fused/fused_mlp.h"

#include <algorithm>

#include "common/error.h"
#include "models/dropout.h"
#include "train/generators.h"
#include "train/trainer.h"

namespace tune {
namespace {

void check_group(const std::vector<MlpSpec>& specs, const std::vector<uint64_t>& seeds) {
  check_group_size(specs.size(), seeds.size());
  for (size_t k = 0; k < specs.size(); ++k) {
    const std::string where = "fused group: trial " + std::to_string(k);
    if (specs[k].batch_norm) throw ConfigError(where, "batch_norm cannot be fused yet");
    if (specs[k].units.size() != specs[0].units.size())
      throw ConfigError(where, "has " + std::to_string(specs[k].units.size()) +
                                   " layers, trial 0 has " + std::to_string(specs[0].units.size()));
  }
}

std::vector<torch::nn::Sequential> models_alone(const std::vector<MlpSpec>& specs,
                                                int64_t num_classes,
                                                const std::vector<uint64_t>& seeds) {
  check_group(specs, seeds);
  std::vector<torch::nn::Sequential> out;
  for (size_t k = 0; k < specs.size(); ++k) {
    out.push_back(build_mlp_from(specs[k], num_classes));
    initialize_parameters(*out.back(), seeds[k]);
  }
  return out;
}

}  // namespace

FusedMlp::FusedMlp(std::vector<MlpSpec> specs, int64_t num_classes,
                   const std::vector<uint64_t>& seeds, const torch::Device& device)
    : FusedMlp(specs, num_classes, seeds, models_alone(specs, num_classes, seeds), device) {}

FusedMlp::FusedMlp(std::vector<MlpSpec> specs, int64_t num_classes,
                   const std::vector<uint64_t>& seeds,
                   const std::vector<torch::nn::Sequential>& alone, const torch::Device& device)
    : specs_(std::move(specs)), seeds_(seeds), num_classes_(num_classes) {
  check_group(specs_, seeds_);
  const int64_t K = trials();
  const size_t hidden = specs_[0].units.size();
  // Widths of every layer's output, padded to the group's largest; the last is the classes.
  std::vector<int64_t> width(hidden + 1, num_classes);
  for (size_t l = 0; l < hidden; ++l) {
    width[l] = 0;
    for (const auto& s : specs_) width[l] = std::max(width[l], s.units[l]);
  }
  int64_t in = 0;
  for (const auto& s : specs_) in = std::max(in, s.inputs);
  for (size_t l = 0; l <= hidden; ++l) {
    Layer layer;
    layer.weight = torch::zeros({K, in, width[l]});
    layer.bias = torch::zeros({K, 1, width[l]});
    if (l < hidden) {
      layer.units = torch::zeros({K, 1, width[l]});
      bool padded = false;
      for (int64_t k = 0; k < K; ++k) {
        layer.units[k].narrow(1, 0, specs_[k].units[l]).fill_(1);
        padded = padded || specs_[k].units[l] < width[l];
      }
      if (!padded) layer.units = torch::Tensor();
    }
    layers_.push_back(layer);
    in = width[l];
  }
  // Each trial's initial weights: those of its model alone, transposed into its slices.
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < K; ++k) {
    auto own = layers_of<torch::nn::LinearImpl>(alone.at(k));
    if (own.size() != layers_.size())
      throw ConfigError("fused group: trial " + std::to_string(k),
                        "its model alone has another number of linear layers");
    for (size_t l = 0; l < own.size(); ++l) {
      const auto& w = own[l]->weight;  // [out, in]
      layers_[l].weight[k].narrow(0, 0, w.size(1)).narrow(1, 0, w.size(0)).copy_(w.t());
      layers_[l].bias[k][0].narrow(0, 0, w.size(0)).copy_(own[l]->bias);
    }
  }
  for (auto& layer : layers_) {
    layer.weight = layer.weight.to(device).requires_grad_();
    layer.bias = layer.bias.to(device).requires_grad_();
    if (layer.units.defined()) layer.units = layer.units.to(device);
  }
  for (size_t l = 0; l < hidden; ++l) {
    std::vector<std::string> names;
    for (const auto& s : specs_) names.push_back(s.activations[l]);
    activations_.emplace_back(names, 3, 0, device);
  }
  seed_dropout();
}

void FusedMlp::seed_dropout() {
  dropout_.assign(specs_.size(), {});
  for (size_t k = 0; k < specs_.size(); ++k) {
    // Numbered as the Trainer numbers the dropout modules of the model alone: in order, only
    // the layers that have one.
    uint64_t module = 0;
    for (double rate : specs_[k].dropouts)
      dropout_[k].push_back(rate > 0 ? trial_generator(device(), dropout_seed(seeds_[k], ++module))
                                     : at::Generator());
  }
}

std::vector<at::Generator> FusedMlp::dropout_generators() const {
  std::vector<at::Generator> out;
  for (const auto& trial : dropout_)
    for (const auto& generator : trial)
      if (generator.defined()) out.push_back(generator);
  return out;
}

torch::Tensor FusedMlp::unit_mask(size_t layer, int64_t batch) {
  const Layer& l = layers_[layer];
  bool dropping = training_ && std::any_of(specs_.begin(), specs_.end(),
                                           [&](const MlpSpec& s) { return s.dropouts[layer] > 0; });
  if (!dropping) return l.units;
  // Each trial's mask at its own width, drawn as its SeededDropout would draw it alone; zero
  // over its padding.
  const int64_t K = trials(), width = l.weight.size(2);
  auto masks = torch::zeros({K, batch, width}, l.weight.options().requires_grad(false));
  for (int64_t k = 0; k < K; ++k) {
    const MlpSpec& s = specs_[k];
    auto own = masks[k].narrow(1, 0, s.units[layer]);
    const double rate = s.dropouts[layer];
    if (rate <= 0) {
      own.fill_(1);
      continue;
    }
    own.copy_(dropout_keep_mask(own, rate, dropout_[k][layer]));
  }
  return masks;
}

torch::Tensor FusedMlp::forward(const torch::Tensor& x) {
  torch::Tensor h = x.reshape({trials(), x.size(1), -1});
  for (size_t l = 0; l < layers_.size(); ++l) {
    h = torch::baddbmm(layers_[l].bias, h, layers_[l].weight);
    if (l + 1 == layers_.size()) break;
    h = activations_[l](h);
    torch::Tensor mask = unit_mask(l, h.size(1));
    if (mask.defined()) h = h * mask;
  }
  return h;
}

std::vector<torch::Tensor> FusedMlp::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& l : layers_) {
    out.push_back(l.weight);
    out.push_back(l.bias);
  }
  return out;
}

std::vector<torch::Tensor> FusedMlp::trial_state(int64_t trial) const {
  std::vector<torch::Tensor> out;
  for (const auto& p : parameters()) out.push_back(p.detach().select(0, trial));
  return out;
}

torch::nn::Sequential FusedMlp::trial_model(int64_t trial) const {
  torch::nn::Sequential model = build_mlp_from(specs_.at(trial), num_classes_);
  model->to(device());
  copy_to(trial, model);
  return model;
}

void FusedMlp::copy_to(int64_t trial, torch::nn::Sequential& model) const {
  torch::NoGradGuard no_grad;
  auto own = layers_of<torch::nn::LinearImpl>(model);
  for (size_t l = 0; l < own.size(); ++l) {
    auto& w = own[l]->weight;
    w.copy_(layers_[l].weight[trial].narrow(0, 0, w.size(1)).narrow(1, 0, w.size(0)).t());
    own[l]->bias.copy_(layers_[l].bias[trial][0].narrow(0, 0, w.size(0)));
  }
}

}  // namespace tune
