#include "train/cpu_optimizer.h"

#include <memory>

#include "common/cpu.h"
#include "train/cpu_loops.h"

namespace tune {
namespace {

namespace optim = torch::optim;

float* values(torch::Tensor& t) {
  return t.defined() ? t.data_ptr<float>() : nullptr;
}

}  // namespace

CpuOptimizer::CpuOptimizer(std::vector<torch::Tensor> parameters, const OptimizerSpec& spec)
    : optim::Optimizer(std::move(parameters), optimizer_options(spec)),
      kind_(spec.name == "sgd"       ? Kind::Sgd
            : spec.name == "rmsprop" ? Kind::RmsProp
            : spec.name == "adamw"   ? Kind::AdamW
                                     : Kind::Adam) {
  const size_t n = param_groups().at(0).params().size();
  first_.resize(n);
  second_.resize(n);
  steps_.resize(n);
}

void CpuOptimizer::save(torch::serialize::OutputArchive& archive) const {
  archive.write("cpu_optimizer", c10::IValue(static_cast<int64_t>(kind_)));
  archive.write("parameters", c10::IValue(static_cast<int64_t>(first_.size())));
  for (size_t i = 0; i < first_.size(); ++i) {
    const std::string n = std::to_string(i);
    if (first_[i].defined()) archive.write("first_" + n, first_[i], /*is_buffer=*/true);
    if (second_[i].defined()) archive.write("second_" + n, second_[i], /*is_buffer=*/true);
    if (steps_[i].defined()) archive.write("steps_" + n, steps_[i], /*is_buffer=*/true);
  }
}

void CpuOptimizer::load(torch::serialize::InputArchive& archive) {
  c10::IValue kind, count;
  if (!archive.try_read("cpu_optimizer", kind) || !archive.try_read("parameters", count))
    throw std::runtime_error(
        "the saved optimizer state is torch::optim's, not the CPU optimizer's");
  if (kind.toInt() != static_cast<int64_t>(kind_) ||
      count.toInt() != static_cast<int64_t>(first_.size()))
    throw std::runtime_error("the saved optimizer state is of another optimizer or model");
  auto read = [&](const std::string& key, const torch::Tensor& like) {
    torch::Tensor t;
    if (!archive.try_read(key, t, /*is_buffer=*/true)) return torch::Tensor();
    if (like.defined() && !t.sizes().equals(like.sizes()))
      throw std::runtime_error("the saved optimizer state " + key + " has another shape");
    return t.contiguous();
  };
  const auto& params = param_groups().at(0).params();
  for (size_t i = 0; i < first_.size(); ++i) {
    const std::string n = std::to_string(i);
    first_[i] = read("first_" + n, params[i]);
    second_[i] = read("second_" + n, params[i]);
    steps_[i] = read("steps_" + n, torch::Tensor());
  }
}

torch::Tensor CpuOptimizer::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode grad(true);
    loss = closure();
  }
  torch::NoGradGuard no_grad;
  auto& group = param_groups().at(0);
  const auto& params = group.params();
  std::vector<size_t> stepped;  // as torch::optim: no gradient, no step
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].grad().defined()) stepped.push_back(i);
  if (stepped.empty()) return loss;
  if (kind_ == Kind::Adam || kind_ == Kind::AdamW) {
    step_adam(stepped);
    return loss;
  }
  for (size_t i : stepped) {
    torch::Tensor p = params[i];
    const torch::Tensor g = params[i].grad().contiguous();
    const int64_t n = p.numel();
    if (kind_ == Kind::Sgd) {
      const auto& o = static_cast<const optim::SGDOptions&>(group.options());
      const bool first = !first_[i].defined();  // the buffer starts as the first step's d
      if (o.momentum() != 0 && first) first_[i] = torch::empty_like(p);
      sgd_values(p.data_ptr<float>(), g.data_ptr<float>(), values(first_[i]), n,
                 static_cast<float>(o.lr()), static_cast<float>(o.weight_decay()),
                 static_cast<float>(o.momentum()), o.nesterov(), first);
    } else {
      const auto& o = static_cast<const optim::RMSpropOptions&>(group.options());
      if (!second_[i].defined()) second_[i] = torch::zeros_like(p);
      if (o.momentum() > 0 && !first_[i].defined()) first_[i] = torch::zeros_like(p);
      rmsprop_values(p.data_ptr<float>(), g.data_ptr<float>(), second_[i].data_ptr<float>(),
                     values(first_[i]), n, static_cast<float>(o.lr()),
                     static_cast<float>(o.weight_decay()), static_cast<float>(o.alpha()),
                     static_cast<float>(o.eps()), static_cast<float>(o.momentum()));
    }
  }
  return loss;
}

void CpuOptimizer::step_adam(const std::vector<size_t>& stepped) {
  auto& group = param_groups().at(0);
  const auto& params = group.params();
  std::vector<torch::Tensor> p, g, m, v, t;
  for (size_t i : stepped) {
    if (!steps_[i].defined()) {
      first_[i] = torch::zeros_like(params[i], torch::MemoryFormat::Preserve);
      second_[i] = torch::zeros_like(params[i], torch::MemoryFormat::Preserve);
      steps_[i] = torch::zeros({}, torch::kFloat);
    }
    p.push_back(params[i]);
    g.push_back(params[i].grad());
    m.push_back(first_[i]);
    v.push_back(second_[i]);
    t.push_back(steps_[i]);
  }
  at::_foreach_add_(t, 1);
  double lr, beta1, beta2, eps, decay;
  auto read = [&](const auto& o) {
    lr = o.lr();
    beta1 = std::get<0>(o.betas());
    beta2 = std::get<1>(o.betas());
    eps = o.eps();
    decay = o.weight_decay();
  };
  const std::vector<torch::Tensor> no_max;  // amsgrad's, unused
  if (kind_ == Kind::AdamW) {
    read(static_cast<const optim::AdamWOptions&>(group.options()));
    at::_fused_adamw_(p, g, m, v, no_max, t, lr, beta1, beta2, decay, eps, /*amsgrad=*/false,
                      /*maximize=*/false);
  } else {
    read(static_cast<const optim::AdamOptions&>(group.options()));
    at::_fused_adam_(p, g, m, v, no_max, t, lr, beta1, beta2, decay, eps, /*amsgrad=*/false,
                     /*maximize=*/false);
  }
}

bool cpu_optimizer_applies(const std::vector<torch::Tensor>& parameters) {
  if (cpu_kernels() != CpuKernels::Tuned) return false;
  for (const auto& p : parameters)
    if (!p.device().is_cpu() || p.scalar_type() != torch::kFloat || p.layout() != torch::kStrided ||
        !p.is_contiguous())
      return false;
  return !parameters.empty();
}

}  // namespace tune
