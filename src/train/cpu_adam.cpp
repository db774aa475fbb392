#include "train/cpu_adam.h"

#include <memory>

#include "common/cpu.h"

namespace tune {
namespace {

// The group's options as torch::optim::Adam or AdamW would hold them.
std::unique_ptr<torch::optim::OptimizerOptions> adam_options(const OptimizerSpec& s) {
  auto betas = std::make_tuple(s.beta1, s.beta2);
  if (s.name == "adamw")
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(s.lr).betas(betas).eps(s.eps).weight_decay(s.weight_decay));
  return std::make_unique<torch::optim::AdamOptions>(
      torch::optim::AdamOptions(s.lr).betas(betas).eps(s.eps).weight_decay(s.weight_decay));
}

struct Knobs {
  double lr, beta1, beta2, eps, weight_decay;
};

template <typename Options>
Knobs knobs(const torch::optim::OptimizerOptions& options) {
  const auto& o = static_cast<const Options&>(options);
  return {o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay()};
}

}  // namespace

CpuAdam::CpuAdam(std::vector<torch::Tensor> parameters, const OptimizerSpec& spec)
    : torch::optim::Optimizer(std::move(parameters), adam_options(spec)),
      decoupled_(spec.name == "adamw") {}

torch::Tensor CpuAdam::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode grad(true);
    loss = closure();
  }
  torch::NoGradGuard no_grad;
  auto& group = param_groups().at(0);
  const auto& params = group.params();
  if (steps_.empty())
    for (const auto& p : params) {
      exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      steps_.push_back(torch::zeros({}, torch::kFloat));
    }
  std::vector<torch::Tensor> p, g, m, v, t;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].grad().defined()) continue;  // as torch::optim: no gradient, no step
    p.push_back(params[i]);
    g.push_back(params[i].grad());
    m.push_back(exp_avg_[i]);
    v.push_back(exp_avg_sq_[i]);
    t.push_back(steps_[i]);
  }
  if (p.empty()) return loss;
  at::_foreach_add_(t, 1);
  const Knobs k = decoupled_ ? knobs<torch::optim::AdamWOptions>(group.options())
                             : knobs<torch::optim::AdamOptions>(group.options());
  const std::vector<torch::Tensor> no_max;  // amsgrad's, unused
  if (decoupled_)
    at::_fused_adamw_(p, g, m, v, no_max, t, k.lr, k.beta1, k.beta2, k.weight_decay, k.eps,
                      /*amsgrad=*/false, /*maximize=*/false);
  else
    at::_fused_adam_(p, g, m, v, no_max, t, k.lr, k.beta1, k.beta2, k.weight_decay, k.eps,
                     /*amsgrad=*/false, /*maximize=*/false);
  return loss;
}

bool cpu_adam_applies(const std::vector<torch::Tensor>& parameters) {
  if (cpu_kernels() != CpuKernels::Tuned) return false;
  for (const auto& p : parameters)
    if (!p.device().is_cpu() || p.scalar_type() != torch::kFloat || p.layout() != torch::kStrided)
      return false;
  return !parameters.empty();
}

}  // namespace tune
