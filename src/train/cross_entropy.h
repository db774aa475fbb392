#pragma once
// A classifier's loss and hits on a batch in one call: the mean cross-entropy of the logits
// against the classes (torch::nn::functional::cross_entropy's value and gradient) and how many
// rows' largest logit is their class. On the CPU, for float32 logits and CpuKernels::Tuned
// (common/cpu.h), one pass of ours (train/cpu_loops.h) gives both, and the backward pass is one
// multiplication; LibTorch's log_softmax, nll_loss, their two backward nodes and the argmax, eq
// and sum of the hits took about a seventh of a small MLP's training step. Elsewhere it is
// LibTorch's operations, kept on the device (no host synchronisation).
#include <torch/torch.h>

namespace tune {

struct ScoredLoss {
  torch::Tensor loss;     // float scalar, differentiable in the logits when they require grad
  torch::Tensor correct;  // int64 scalar
};

// `logits` [n, classes], `y` [n] class indices (int64) on the same device.
ScoredLoss scored_cross_entropy(const torch::Tensor& logits, const torch::Tensor& y);

}  // namespace tune
