#include "train/fused/fused_optimizer.h"

#include "common/error.h"

namespace tune {
namespace {

torch::Tensor knob(const std::vector<OptimizerSpec>& specs, double OptimizerSpec::*field,
                   const torch::Device& device) {
  std::vector<double> values;
  for (const auto& s : specs) values.push_back(s.*field);
  return torch::tensor(values, torch::kDouble).to(device);
}

bool any_positive(const std::vector<OptimizerSpec>& specs, double OptimizerSpec::*field) {
  for (const auto& s : specs)
    if (s.*field > 0) return true;
  return false;
}

}  // namespace

FusedOptimizer::FusedOptimizer(std::vector<torch::Tensor> parameters,
                               const std::vector<OptimizerSpec>& specs)
    : params_(std::move(parameters)) {
  if (specs.empty() || params_.empty())
    throw ConfigError("fused group", "needs trials and parameters");
  kind_ = specs[0].name;
  for (size_t k = 0; k < specs.size(); ++k)
    if (specs[k].name != kind_)
      throw ConfigError("fused group: trial " + std::to_string(k),
                        "optimizer " + specs[k].name + " cannot join a group of " + kind_);
  const torch::Device device = params_[0].device();
  lr_ = knob(specs, &OptimizerSpec::lr, device);
  weight_decay_ = knob(specs, &OptimizerSpec::weight_decay, device);
  eps_ = knob(specs, &OptimizerSpec::eps, device);
  momentum_ = knob(specs, &OptimizerSpec::momentum, device);
  beta1_ = knob(specs, &OptimizerSpec::beta1, device);
  beta2_ = knob(specs, &OptimizerSpec::beta2, device);
  alpha_ = knob(specs, &OptimizerSpec::alpha, device);
  steps_ = torch::zeros({static_cast<int64_t>(specs.size())}, torch::kDouble).to(device);
  std::vector<int64_t> nesterov;
  for (const auto& s : specs) nesterov.push_back(s.nesterov ? 1 : 0);
  nesterov_ = torch::tensor(nesterov).to(torch::kBool).to(device);
  decay_ = any_positive(specs, &OptimizerSpec::weight_decay);
  momentum_on_ = any_positive(specs, &OptimizerSpec::momentum);
  for (const auto& p : params_) {
    if (p.size(0) != static_cast<int64_t>(specs.size()))
      throw ConfigError("fused group", "a parameter is not stacked over the group's trials");
    first_.push_back(torch::zeros_like(p));
    second_.push_back(torch::zeros_like(p));
  }
}

torch::Tensor FusedOptimizer::per_trial(const torch::Tensor& values, const torch::Tensor& p) const {
  std::vector<int64_t> shape(p.dim(), 1);
  shape[0] = values.size(0);
  auto shaped = values.view(shape);
  return values.scalar_type() == torch::kBool ? shaped : shaped.to(p.scalar_type());
}

void FusedOptimizer::zero_grad() {
  for (auto& p : params_)
    if (p.grad().defined()) p.mutable_grad().zero_();
}

void FusedOptimizer::freeze(int64_t trial) {
  lr_.select(0, trial).fill_(0);
}

void FusedOptimizer::step() {
  torch::NoGradGuard no_grad;
  steps_.add_(1);
  if (kind_ == "adam" || kind_ == "adamw") {
    step_size_ = lr_ / (1 - beta1_.pow(steps_));
    root_correction2_ = (1 - beta2_.pow(steps_)).sqrt();
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    if (kind_ == "sgd") sgd(p, p.grad(), i);
    if (kind_ == "adam" || kind_ == "adamw") adam(p, p.grad(), i, kind_ == "adamw");
    if (kind_ == "rmsprop") rmsprop(p, p.grad(), i);
  }
}

void FusedOptimizer::sgd(torch::Tensor& p, torch::Tensor g, size_t i) {
  if (decay_) g = g.addcmul(p, per_trial(weight_decay_, p));
  if (momentum_on_) {
    // A trial without momentum keeps buf = g (0 * buf + g), as it had no buffer.
    auto& buf = first_[i];
    buf.mul_(per_trial(momentum_, p)).add_(g);
    g = torch::where(per_trial(nesterov_, p), g.addcmul(buf, per_trial(momentum_, p)), buf);
  }
  p.addcmul_(g, per_trial(-lr_, p));
}

void FusedOptimizer::adam(torch::Tensor& p, torch::Tensor g, size_t i, bool decoupled) {
  if (decay_ && decoupled) p.mul_(per_trial(1 - lr_ * weight_decay_, p));
  if (decay_ && !decoupled) g = g.addcmul(p, per_trial(weight_decay_, p));
  auto& m = first_[i];
  auto& v = second_[i];
  m.mul_(per_trial(beta1_, p)).addcmul_(g, per_trial(1 - beta1_, p));
  v.mul_(per_trial(beta2_, p)).addcmul_(g * per_trial(1 - beta2_, p), g);
  auto denom = (v.sqrt() / per_trial(root_correction2_, p)).add_(per_trial(eps_, p));
  p.addcdiv_(m * per_trial(-step_size_, p), denom);
}

void FusedOptimizer::rmsprop(torch::Tensor& p, torch::Tensor g, size_t i) {
  if (decay_) g = g.addcmul(p, per_trial(weight_decay_, p));
  auto& square = second_[i];
  square.mul_(per_trial(alpha_, p)).addcmul_(g * per_trial(1 - alpha_, p), g);
  auto avg = square.sqrt().add_(per_trial(eps_, p));
  // A trial without momentum keeps buf = g / avg, its plain step.
  auto& buf = first_[i];
  buf.mul_(per_trial(momentum_, p)).addcdiv_(g, avg);
  p.addcmul_(buf, per_trial(-lr_, p));
}

}  // namespace tune
