#include "train/cpu_mlp_step.h"

#include <string>

#include "common/cpu.h"
#include "models/dense.h"

namespace tune {
namespace {

namespace nn = torch::nn;
using torch::Tensor;

// SELU's constants, as LibTorch's selu uses them (an ELU scaled).
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

bool cpu_float_contiguous(const Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat &&
         t.layout() == torch::kStrided && t.is_contiguous();
}

const float* data_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<float>() : nullptr;
}

}  // namespace

bool CpuMlpStep::read_activation(const std::shared_ptr<nn::Module>& module, Layer& layer) {
  if (module->as<nn::ReLU>()) {
    layer.slope = 0;
  } else if (auto* leaky = module->as<nn::LeakyReLU>()) {
    layer.slope = leaky->options.negative_slope();
  } else if (module->as<nn::Tanh>()) {
    layer.smooth = Smooth::Tanh;
  } else if (module->as<nn::Sigmoid>()) {
    layer.smooth = Smooth::Sigmoid;
  } else if (module->as<nn::SELU>()) {
    layer.smooth = Smooth::Selu;
  } else if (auto* elu = module->as<nn::ELU>()) {
    layer.smooth = Smooth::Elu;
    layer.alpha = elu->options.alpha();
  } else if (auto* gelu = module->as<nn::GELU>()) {
    if (gelu->options.approximate() != "none") return false;
    layer.smooth = Smooth::Gelu;
  } else {
    return false;
  }
  return true;
}

Tensor CpuMlpStep::smooth_forward(const Layer& layer, const Tensor& z) {
  switch (layer.smooth) {
    case Smooth::Tanh:
      return at::tanh(z);
    case Smooth::Sigmoid:
      return at::sigmoid(z);
    case Smooth::Elu:
      return at::elu(z, layer.alpha);
    case Smooth::Selu:
      return at::selu(z);
    case Smooth::Gelu:
      return at::gelu(z);
    case Smooth::None:
      break;
  }
  return z;
}

Tensor CpuMlpStep::smooth_backward(const Layer& layer, const Tensor& g, const Tensor& z,
                                   const Tensor& values) {
  switch (layer.smooth) {
    case Smooth::Tanh:
      return at::tanh_backward(g, values);
    case Smooth::Sigmoid:
      return at::sigmoid_backward(g, values);
    case Smooth::Elu:
      return at::elu_backward(g, layer.alpha, 1, 1, /*is_result=*/false, z);
    case Smooth::Selu:
      return at::elu_backward(g, kSeluAlpha, kSeluScale, 1, /*is_result=*/false, z);
    case Smooth::Gelu:
      return at::gelu_backward(g, z);
    case Smooth::None:
      break;
  }
  return g;
}

std::unique_ptr<CpuMlpStep> CpuMlpStep::make(nn::Sequential& model) {
  if (cpu_kernels() != CpuKernels::Tuned || !dense_uses_onednn()) return nullptr;
  const auto modules = model->children();
  if (modules.size() < 2 || !modules.front()->as<nn::Flatten>()) return nullptr;
  auto step = std::unique_ptr<CpuMlpStep>(new CpuMlpStep);
  for (size_t i = 1; i < modules.size();) {
    auto* linear = modules[i]->as<nn::Linear>();
    if (!linear || !cpu_float_contiguous(linear->weight) || !cpu_float_contiguous(linear->bias))
      return nullptr;
    Layer layer;
    layer.weight = linear->weight;
    layer.bias = linear->bias;
    ++i;
    if (i == modules.size()) {  // the output layer
      step->layers_.push_back(layer);
      return step;
    }
    if (!read_activation(modules[i], layer)) return nullptr;
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
  // Per layer: its input, product, smooth activation's values and dropout mask.
  std::vector<Tensor> inputs(depth), z(depth), values(depth), masks(depth);
  Tensor h = x.reshape({n, -1});
  for (int64_t l = 0; l < depth; ++l) {
    const Layer& layer = layers_[l];
    inputs[l] = h;
    z[l] = onednn_dense_product(h, layer.weight, layer.bias).contiguous();
    if (l + 1 == depth) break;
    SeededDropoutImpl* dropout = layer.dropout;
    if (dropout && dropout->is_training() && dropout->p() > 0)
      masks[l] = dropout_keep_mask(z[l], dropout->p(), dropout->generator());
    const bool smooth = layer.smooth != Smooth::None;
    if (smooth) values[l] = smooth_forward(layer, z[l]).contiguous();
    if (smooth && !masks[l].defined()) {
      h = values[l];
      continue;
    }
    h = torch::empty_like(z[l]);
    piecewise_forward(smooth ? values[l].data_ptr<float>() : z[l].data_ptr<float>(),
                      smooth ? 1.0f : static_cast<float>(layer.slope), data_or_null(masks[l]),
                      h.data_ptr<float>(), h.numel());
  }
  const Tensor logits = z[depth - 1];
  const Tensor labels = y.contiguous();
  Tensor g = torch::empty_like(logits);
  const RowsLoss loss = cross_entropy_rows(logits.data_ptr<float>(), labels.data_ptr<int64_t>(), n,
                                           logits.size(1), g.data_ptr<float>());
  float scale = 1.0f / static_cast<float>(std::max<int64_t>(n, 1));  // the mean's gradient
  for (int64_t l = depth - 1; l >= 0; --l) {
    Layer& layer = layers_[l];
    const int64_t width = layer.weight.size(0);
    const bool smooth = layer.smooth != Smooth::None, output = l + 1 == depth;
    // A smooth activation's gradient through LibTorch's kernel, the mask's after it (as
    // autograd runs them: dropout's backward first, then the activation's).
    Tensor gz = torch::empty({n, width}, torch::kFloat);
    Tensor bias_grad = torch::empty({width}, torch::kFloat);
    if (smooth) {
      if (masks[l].defined()) g = g * masks[l];
      g = smooth_backward(layer, g, z[l], values[l]).contiguous();
    }
    layer_backward(smooth || output ? nullptr : z[l].data_ptr<float>(),
                   static_cast<float>(layer.slope), smooth ? nullptr : data_or_null(masks[l]),
                   g.data_ptr<float>(), scale, gz.data_ptr<float>(), bias_grad.data_ptr<float>(), n,
                   width);
    scale = 1.0f;
    layer.weight.mutable_grad() = onednn_dense_product(gz.t(), inputs[l].t(), Tensor());
    layer.bias.mutable_grad() = bias_grad;
    if (l > 0) g = onednn_dense_product(gz, layer.weight.t(), Tensor()).contiguous();
  }
  return loss;
}

}  // namespace tune
