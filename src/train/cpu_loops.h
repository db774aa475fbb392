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

// A layer's forward pass after its product z, for n values: out = f(z), times the dropout mask
// when `mask` is given (values 0 or 1 / (1 - rate)), with f the piecewise-linear
// f(z) = z > 0 ? z : slope z: ReLU (slope 0), LeakyReLU, or the identity (slope 1, which
// applies the mask alone to values another function computed).
void piecewise_forward(const float* z, float slope, const float* mask, float* out, int64_t n);

// The backward pass for `rows` x `cols` values: gz = scale g f'(z) (times the mask), with
// f'(z) = z > 0 ? 1 : slope, or 1 when z is null (the identity, or a smooth activation whose
// derivative g already holds); `bias_grad` (cols values) gets the column sums of gz.
void layer_backward(const float* z, float slope, const float* mask, const float* g, float scale,
                    float* gz, float* bias_grad, int64_t rows, int64_t cols);

}  // namespace tune
