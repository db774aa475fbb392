#include "models/dense.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <optional>

#include "common/cpu.h"

namespace tune {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// LibTorch's oneDNN linear on strided CPU tensors: mkldnn::_linear_pointwise (the op its
// compiler emits for CPU linears), without a fused activation. Absent from builds without
// oneDNN.
const std::optional<c10::OperatorHandle>& pointwise_op() {
  static const std::optional<c10::OperatorHandle> op =
      c10::Dispatcher::singleton().findSchema({"mkldnn::_linear_pointwise", ""});
  return op;
}

// x W^T (+ b) by oneDNN; x and w may be transposed views.
Tensor onednn_product(const Tensor& x, const Tensor& w, const Tensor& b) {
  torch::jit::Stack stack;
  stack.reserve(6);
  stack.emplace_back(x);
  stack.emplace_back(w);
  stack.emplace_back(b.defined() ? c10::IValue(b) : c10::IValue());
  stack.emplace_back("none");
  stack.emplace_back(c10::List<std::optional<c10::Scalar>>());
  stack.emplace_back(c10::IValue());
  pointwise_op()->callBoxed(stack);
  return stack.back().toTensor();
}

// The gradients by the same oneDNN products: dx = g W, dW = g^T x, db = the sum of g's rows.
// Autograd takes no undefined inputs, so a layer without bias passes an empty `b` and
// `has_bias` false.
struct OneDnnLinear : torch::autograd::Function<OneDnnLinear> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& w, const Tensor& b,
                        bool has_bias) {
    ctx->save_for_backward({x, w});
    return onednn_product(x, w, has_bias ? b : Tensor());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor& x = saved[0];
    const Tensor& w = saved[1];
    const Tensor& g = grads[0];
    Tensor dx = ctx->needs_input_grad(0) ? onednn_product(g, w.t(), {}) : Tensor();
    Tensor dw = ctx->needs_input_grad(1) ? onednn_product(g.t(), x.t(), {}) : Tensor();
    Tensor db = ctx->needs_input_grad(2) ? g.sum(0) : Tensor();
    return {dx, dw, db, Tensor()};
  }
};

bool onednn_applies(const Tensor& x, const Tensor& w, const Tensor& b) {
  auto dense_cpu_float = [](const Tensor& t) {
    return t.device().is_cpu() && t.layout() == torch::kStrided && t.scalar_type() == torch::kFloat;
  };
  return dense_uses_onednn() && x.dim() == 2 && dense_cpu_float(x) && dense_cpu_float(w) &&
         (!b.defined() || dense_cpu_float(b));
}

}  // namespace

Tensor onednn_dense_product(const Tensor& x, const Tensor& w, const Tensor& b) {
  return onednn_product(x, w, b);
}

bool dense_uses_onednn() {
  return cpu_kernels() == CpuKernels::Tuned && pointwise_op().has_value();
}

Tensor dense_linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (!onednn_applies(x, weight, bias)) return torch::nn::functional::linear(x, weight, bias);
  const bool grad = torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad() ||
                                                      (bias.defined() && bias.requires_grad()));
  if (!grad) return onednn_product(x, weight, bias);
  if (!bias.defined()) return OneDnnLinear::apply(x, weight, torch::empty({0}), false);
  return OneDnnLinear::apply(x, weight, bias, true);
}

Tensor DenseImpl::forward(const Tensor& input) {
  return dense_linear(input, weight, bias);
}

}  // namespace tune
