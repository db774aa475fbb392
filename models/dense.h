#pragma once
// torch::nn::Linear whose float32 products on the CPU run through oneDNN, the library LibTorch
// uses for its CPU convolutions, instead of the BLAS that aten::linear calls. On this project's
// CPU machines (AVX-512) oneDNN's kernels take about half of MKL's time for the products of a
// small MLP's training step (bench_train times both). The parameters, their names, their
// initialisation and everything but the forward pass are Linear's, so a Dense is a Linear to
// every other part of tune (layers_of<LinearImpl>, as<Linear>, saved weights). Inputs other
// than a CPU float32 matrix, LibTorch's CPU kernels (common/cpu.h) or a LibTorch built without
// oneDNN take Linear's own forward.
#include <torch/torch.h>

namespace tune {

class DenseImpl : public torch::nn::LinearImpl {
 public:
  using LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input);
};

TORCH_MODULE(Dense);

// x W^T + b (b may be undefined) as Dense computes it, differentiable in all three.
torch::Tensor dense_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias);

// x W^T (+ b when defined) by oneDNN, outside autograd; x and w may be transposed views (the
// backward products g W and g^T x). Only where dense_uses_onednn() and x, w, b are CPU float32
// matrices (b a vector): train/cpu_mlp_step.h.
torch::Tensor onednn_dense_product(const torch::Tensor& x, const torch::Tensor& w,
                                   const torch::Tensor& b);

// Whether Dense's CPU products run through oneDNN now: CpuKernels::Tuned (common/cpu.h) and a
// LibTorch with oneDNN.
bool dense_uses_onednn();

}  // namespace tune
