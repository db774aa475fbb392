#pragma once
// Loops of ours over contiguous float values that replace several LibTorch operations on the
// CPU, each one pass (LibTorch-free; common/cpu.h's CpuKernels::Tuned picks them).
#include <cstdint>

namespace tune {

// The update loops of CpuOptimizer (train/cpu_optimizer.h) for sgd and rmsprop, on one
// parameter's n values with its gradient g. `buf` is the momentum buffer, null without momentum.

// torch::optim::SGD: d = g + decay p; with momentum the buffer becomes d at the first step
// (`first`) and momentum buf + d after, and d becomes the buffer (nesterov: d + momentum buf);
// then p -= lr d.
void sgd_values(float* p, const float* g, float* buf, int64_t n, float lr, float decay,
                float momentum, bool nesterov, bool first);

// torch::optim::RMSprop, not centered: d = g + decay p; sq = alpha sq + (1 - alpha) d^2;
// step = d / (sqrt(sq) + eps), through the momentum buffer when there is one
// (buf = momentum buf + step); p -= lr step.
void rmsprop_values(float* p, const float* g, float* sq, float* buf, int64_t n, float lr,
                    float decay, float alpha, float eps, float momentum);

// Cross-entropy of n rows of c logits against their classes y (train/cross_entropy.h): returns
// the sum of the rows' losses (log-sum-exp of the row minus its class's logit), and how many rows
// have their class's logit as their first largest (as argmax). With `softmax_minus_one_hot`, each
// row's softmax minus the one-hot of its class goes there: the loss sum's gradient. A class
// outside [0, c) throws std::out_of_range.
struct RowsLoss {
  double sum = 0;
  int64_t correct = 0;
};
RowsLoss cross_entropy_rows(const float* logits, const int64_t* y, int64_t n, int64_t c,
                            float* softmax_minus_one_hot);

// A hidden layer's activation as LibTorch's modules compute it: relu, tanh, elu (alpha `a`),
// gelu (exact, erf), selu, leaky_relu (negative slope `a`) and sigmoid; Identity for the output
// layer.
enum class Activation { Identity, Relu, Tanh, Elu, Gelu, Selu, LeakyRelu, Sigmoid };
struct ActivationSpec {
  Activation kind = Activation::Identity;
  float a = 0;
};

// out = f(z), times the dropout mask when `mask` is given (values 0 or 1 / (1 - rate)), for n
// values.
void activation_forward(const ActivationSpec& f, const float* z, const float* mask, float* out,
                        int64_t n);

// The backward pass of activation_forward for `rows` x `cols` values: gz = scale g f'(z) (times
// the mask), and `bias_grad` (cols values) the column sums of gz.
void activation_backward(const ActivationSpec& f, const float* z, const float* mask, const float* g,
                         float scale, float* gz, float* bias_grad, int64_t rows, int64_t cols);

}  // namespace tune
