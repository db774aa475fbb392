#include "train/cross_entropy.h"

#include "common/cpu.h"
#include "train/cpu_loops.h"

namespace tune {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The mean loss of cross_entropy_rows, its gradient (softmax minus one-hot, over n) kept for
// the backward pass, and the hit count written to `correct`.
struct CpuCrossEntropy : torch::autograd::Function<CpuCrossEntropy> {
  static Tensor forward(AutogradContext* ctx, const Tensor& logits, const Tensor& y,
                        int64_t* correct) {
    const int64_t n = logits.size(0), classes = logits.size(1);
    const Tensor z = logits.contiguous();
    const Tensor labels = y.contiguous();
    const bool grad = ctx != nullptr;
    Tensor d = grad ? torch::empty_like(z) : Tensor();
    const RowsLoss rows = cross_entropy_rows(z.data_ptr<float>(), labels.data_ptr<int64_t>(), n,
                                             classes, grad ? d.data_ptr<float>() : nullptr);
    *correct = rows.correct;
    if (grad) ctx->saved_data["d"] = d.div_(static_cast<double>(std::max<int64_t>(n, 1)));
    return torch::scalar_tensor(rows.sum / static_cast<double>(std::max<int64_t>(n, 1)),
                                torch::kFloat);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    return {ctx->saved_data["d"].toTensor() * grads[0], Tensor(), Tensor()};
  }
};

bool ours_apply(const Tensor& logits, const Tensor& y) {
  return cpu_kernels() == CpuKernels::Tuned && logits.device().is_cpu() && logits.dim() == 2 &&
         logits.scalar_type() == torch::kFloat && logits.layout() == torch::kStrided &&
         y.device().is_cpu() && y.dim() == 1 && y.scalar_type() == torch::kLong &&
         y.size(0) == logits.size(0);
}

}  // namespace

ScoredLoss scored_cross_entropy(const Tensor& logits, const Tensor& y) {
  if (!ours_apply(logits, y)) {
    Tensor loss = torch::nn::functional::cross_entropy(logits, y);
    torch::NoGradGuard no_grad;
    return {loss, logits.detach().argmax(1).eq(y).sum()};
  }
  int64_t correct = 0;
  Tensor loss = torch::GradMode::is_enabled() && logits.requires_grad()
                    ? CpuCrossEntropy::apply(logits, y, &correct)
                    : CpuCrossEntropy::forward(nullptr, logits, y, &correct);
  return {loss, torch::scalar_tensor(correct, torch::kLong)};
}

}  // namespace tune
