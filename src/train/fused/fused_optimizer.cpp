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
  for (const auto& s : specs) initial_lr_.push_back(s.lr);
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
    if (specs.size() > 1 && (p.dim() == 0 || p.size(0) != static_cast<int64_t>(specs.size())))
      throw ConfigError("fused group", "a parameter is not stacked over the group's trials");
    first_.push_back(torch::zeros_like(p));
    second_.push_back(torch::zeros_like(p));
    scratch_.push_back(torch::empty_like(p));
  }
  refresh();
}

torch::Tensor FusedOptimizer::per_trial(const torch::Tensor& values, const torch::Tensor& p) {
  std::vector<int64_t> shape(p.dim(), 1);
  shape[0] = values.size(0);
  return values.view(shape);
}

void FusedOptimizer::refresh() {
  torch::NoGradGuard no_grad;
  const auto dtype = params_[0].scalar_type();
  // Written in place once they exist: a captured step (train/step_graph.h) reads these very
  // tensors, so a freeze or a new learning rate reaches it without capturing again.
  auto set = [&](torch::Tensor& to, const torch::Tensor& from) {
    if (to.defined())
      to.copy_(from);
    else
      to = from.to(dtype);
  };
  set(c_.beta1, beta1_);
  set(c_.one_minus_beta1, 1 - beta1_);
  set(c_.beta2, beta2_);
  set(c_.one_minus_beta2, 1 - beta2_);
  set(c_.eps, eps_);
  set(c_.weight_decay, weight_decay_);
  set(c_.keep_after_decay, 1 - lr_ * weight_decay_);
  set(c_.momentum, momentum_);
  set(c_.alpha, alpha_);
  set(c_.one_minus_alpha, 1 - alpha_);
  set(c_.neg_lr, -lr_);
  c_.nesterov = nesterov_;
}

void FusedOptimizer::zero_grad() {
  for (auto& p : params_)
    if (p.grad().defined()) p.mutable_grad().zero_();
}

void FusedOptimizer::freeze(int64_t trial) {
  set_lr(trial, 0);
}

void FusedOptimizer::set_lr(int64_t trial, double lr) {
  lr_.select(0, trial).fill_(lr);
  refresh();
}

void FusedOptimizer::set_lrs(const std::vector<double>& lr) {
  if (static_cast<int64_t>(lr.size()) != lr_.size(0))
    throw std::invalid_argument("FusedOptimizer::set_lrs: one learning rate per trial");
  lr_.copy_(torch::tensor(lr, torch::kDouble));
  refresh();
}

void FusedOptimizer::step() {
  torch::NoGradGuard no_grad;
  steps_.add_(1);
  if (kind_ == "adam" || kind_ == "adamw") {
    const auto dtype = params_[0].scalar_type();
    c_.neg_step_size = (-lr_ / (1 - beta1_.pow(steps_))).to(dtype);
    c_.root_correction2 = (1 - beta2_.pow(steps_)).sqrt().to(dtype);
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
  if (decay_) g = g.addcmul(p, per_trial(c_.weight_decay, p));
  if (momentum_on_) {
    // A trial without momentum keeps buf = g (0 * buf + g), as it had no buffer.
    auto& buf = first_[i];
    buf.mul_(per_trial(c_.momentum, p)).add_(g);
    g = torch::where(per_trial(c_.nesterov, p), g.addcmul(buf, per_trial(c_.momentum, p)), buf);
  }
  p.addcmul_(g, per_trial(c_.neg_lr, p));
}

void FusedOptimizer::adam(torch::Tensor& p, torch::Tensor g, size_t i, bool decoupled) {
  if (decay_ && decoupled) p.mul_(per_trial(c_.keep_after_decay, p));
  if (decay_ && !decoupled) g = g.addcmul(p, per_trial(c_.weight_decay, p));
  auto &m = first_[i], &v = second_[i], &s = scratch_[i];
  m.mul_(per_trial(c_.beta1, p)).addcmul_(g, per_trial(c_.one_minus_beta1, p));
  at::mul_out(s, g, per_trial(c_.one_minus_beta2, p));
  v.mul_(per_trial(c_.beta2, p)).addcmul_(s, g);
  // s = m / (sqrt(v) / sqrt(bias correction 2) + eps); p += -lr / bias correction 1 * s
  at::sqrt_out(s, v);
  s.div_(per_trial(c_.root_correction2, p)).add_(per_trial(c_.eps, p));
  at::div_out(s, m, s);
  p.addcmul_(s, per_trial(c_.neg_step_size, p));
}

void FusedOptimizer::rmsprop(torch::Tensor& p, torch::Tensor g, size_t i) {
  if (decay_) g = g.addcmul(p, per_trial(c_.weight_decay, p));
  auto &buf = first_[i], &square = second_[i], &s = scratch_[i];
  at::mul_out(s, g, per_trial(c_.one_minus_alpha, p));
  square.mul_(per_trial(c_.alpha, p)).addcmul_(s, g);
  at::sqrt_out(s, square);
  s.add_(per_trial(c_.eps, p));
  // A trial without momentum keeps buf = g / avg, its plain step.
  buf.mul_(per_trial(c_.momentum, p)).addcdiv_(g, s);
  p.addcmul_(buf, per_trial(c_.neg_lr, p));
}

}  // namespace tune
