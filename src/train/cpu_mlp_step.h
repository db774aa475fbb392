#pragma once
// One training step of a builders' MLP on the CPU without autograd: the forward pass, the loss
// and the gradients of every weight and bias, written as backward() would write them. The
// products are Dense's oneDNN products (models/dense.h), the rest loops of ours
// (train/cpu_loops.h): each hidden layer's activation and dropout in one pass each way, the
// bias gradient summed in the same pass, and the loss, its gradient and the hits in one
// (train/cross_entropy.h); smooth activations (tanh, sigmoid, ELU, SELU, GELU) by LibTorch's
// own vectorised kernels, one call each way. Dropout masks are the ones SeededDropout draws, from
// the same generators in the same order, so a trial trains as it does through the modules, up to
// float rounding. For a narrow MLP LibTorch's per-operation work (the dispatcher, autograd's graph
// and engine, a tensor for every intermediate) was most of a step: about 35 operations and 11
// autograd nodes for two hidden layers.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "models/dropout.h"
#include "train/cpu_loops.h"

namespace tune {

class CpuMlpStep {
 public:
  // The step for `model` where it applies, else null: a Sequential of Flatten, then per hidden
  // layer a Dense or Linear with bias, one of the builders' activations (GELU exact) and
  // optionally a SeededDropout, then a Dense or Linear with bias; every parameter a contiguous
  // CPU float32 tensor; CpuKernels::Tuned with Dense's oneDNN products (common/cpu.h).
  static std::unique_ptr<CpuMlpStep> make(torch::nn::Sequential& model);

  // The forward and backward pass of the batch (x [n, ...], float32; y [n], int64) in training
  // mode: sets each parameter's gradient (as backward() after zero_grad(set_to_none) would) and
  // returns the loss summed over the rows and the hits.
  RowsLoss run(const torch::Tensor& x, const torch::Tensor& y);

 private:
  // A hidden layer's activation: piecewise linear (the loops compute it: ReLU, LeakyReLU) or
  // smooth (LibTorch's vectorised kernels compute it and its derivative: the same functions
  // the modules call).
  enum class Smooth { None, Tanh, Sigmoid, Elu, Selu, Gelu };
  struct Layer {
    torch::Tensor weight, bias;
    Smooth smooth = Smooth::None;
    double slope = 1;  // piecewise: the negative slope (ReLU 0); the output layer: 1
    double alpha = 1;  // ELU's
    SeededDropoutImpl* dropout = nullptr;  // the hidden layer's, if it has one
  };
  // Sets `layer`'s activation to what `module` computes; false for a module it does not know.
  static bool read_activation(const std::shared_ptr<torch::nn::Module>& module, Layer& layer);
  // The activation's values at z, and (gradient g at its output) the gradient at z.
  static torch::Tensor smooth_forward(const Layer& layer, const torch::Tensor& z);
  static torch::Tensor smooth_backward(const Layer& layer, const torch::Tensor& g,
                                       const torch::Tensor& z, const torch::Tensor& values);
  std::vector<Layer> layers_;
};

}  // namespace tune
