#include "train/cpu_mlp_step.h"

#include <optional>
#include <string>

#include "common/cpu.h"
#include "models/dense.h"

namespace tune {
namespace {

namespace nn = torch::nn;
using torch::Tensor;

// The activation `module` computes, where the loops compute it the same way.
std::optional<ActivationSpec> activation_of(const std::shared_ptr<nn::Module>& module) {
  if (module->as<nn::ReLU>()) return ActivationSpec{Activation::Relu};
  if (module->as<nn::Tanh>()) return ActivationSpec{Activation::Tanh};
  if (module->as<nn::Sigmoid>()) return ActivationSpec{Activation::Sigmoid};
  if (module->as<nn::SELU>()) return ActivationSpec{Activation::Selu};
  if (auto* elu = module->as<nn::ELU>())
    return ActivationSpec{Activation::Elu, static_cast<float>(elu->options.alpha())};
  if (auto* leaky = module->as<nn::LeakyReLU>())
    return ActivationSpec{Activation::LeakyRelu,
                          static_cast<float>(leaky->options.negative_slope())};
  if (auto* gelu = module->as<nn::GELU>())
    if (gelu->options.approximate() == "none") return ActivationSpec{Activation::Gelu};
  return std::nullopt;
}

bool cpu_float_contiguous(const Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat &&
         t.layout() == torch::kStrided && t.is_contiguous();
}

}  // namespace

std::unique_ptr<CpuMlpStep> CpuMlpStep::make(nn::Sequential& model) {
  if (cpu_kernels() != CpuKernels::Tuned || !dense_uses_onednn()) return nullptr;
  const auto modules = model->children();
  if (modules.size() < 2 || !modules.front()->as<nn::Flatten>()) return nullptr;
  auto step = std::unique_ptr<CpuMlpStep>(new CpuMlpStep);
  for (size_t i = 1; i < modules.size();) {
    auto* linear = modules[i]->as<nn::Linear>();
    if (!linear || !cpu_float_contiguous(linear->weight) || !cpu_float_contiguous(linear->bias))
      return nullptr;
    Layer layer{linear->weight, linear->bias, {}, nullptr};
    ++i;
    if (i == modules.size()) {  // the output layer
      step->layers_.push_back(layer);
      return step;
    }
    std::optional<ActivationSpec> activation = activation_of(modules[i]);
    if (!activation) return nullptr;
    layer.activation = *activation;
    ++i;
    if (i < modules.size())
      if (auto* dropout = modules[i]->as<SeededDropout>()) {
        layer.dropout = dropout;
        ++i;
      }
    step->layers_.push_back(layer);
  }
  return nullptr;  // ended on an activation or dropout: not a classifier's output layer
}

RowsLoss CpuMlpStep::run(const Tensor& x, const Tensor& y) {
  torch::NoGradGuard no_grad;
  const int64_t n = x.size(0), depth = static_cast<int64_t>(layers_.size());
  std::vector<Tensor> inputs(depth), z(depth), masks(depth);
  Tensor h = x.reshape({n, -1});
  for (int64_t l = 0; l < depth; ++l) {
    const Layer& layer = layers_[l];
    inputs[l] = h;
    z[l] = onednn_dense_product(h, layer.weight, layer.bias).contiguous();
    if (l + 1 == depth) break;
    SeededDropoutImpl* dropout = layer.dropout;
    if (dropout && dropout->is_training() && dropout->p() > 0)
      masks[l] = dropout_keep_mask(z[l], dropout->p(), dropout->generator());
    h = torch::empty_like(z[l]);
    activation_forward(layer.activation, z[l].data_ptr<float>(),
                       masks[l].defined() ? masks[l].data_ptr<float>() : nullptr,
                       h.data_ptr<float>(), h.numel());
  }
  const Tensor logits = z[depth - 1].contiguous();
  const Tensor labels = y.contiguous();
  Tensor g = torch::empty_like(logits);
  const RowsLoss loss = cross_entropy_rows(logits.data_ptr<float>(), labels.data_ptr<int64_t>(), n,
                                           logits.size(1), g.data_ptr<float>());
  float scale = 1.0f / static_cast<float>(std::max<int64_t>(n, 1));  // the mean's gradient
  for (int64_t l = depth - 1; l >= 0; --l) {
    Layer& layer = layers_[l];
    const int64_t width = layer.weight.size(0);
    Tensor gz = torch::empty({n, width}, torch::kFloat);
    Tensor bias_grad = torch::empty({width}, torch::kFloat);
    activation_backward(layer.activation, z[l].data_ptr<float>(),
                        masks[l].defined() ? masks[l].data_ptr<float>() : nullptr,
                        g.data_ptr<float>(), scale, gz.data_ptr<float>(),
                        bias_grad.data_ptr<float>(), n, width);
    scale = 1.0f;
    layer.weight.mutable_grad() = onednn_dense_product(gz.t(), inputs[l].t(), Tensor());
    layer.bias.mutable_grad() = bias_grad;
    if (l > 0) g = onednn_dense_product(gz, layer.weight.t(), Tensor()).contiguous();
  }
  return loss;
}

}  // namespace tune
