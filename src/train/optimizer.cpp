#include "train/optimizer.h"

#include "train/cpu_optimizer.h"

namespace tune {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw", "rmsprop"};
  return names;
}

OptimizerSpec optimizer_spec(const Hyperparameters& hp) {
  OptimizerSpec s;
  s.name = hp.choice("optimizer", "adam", optimizer_names());
  s.lr = hp.real("lr", s.name == "sgd" ? 0.01 : 0.001, 0.0, 10.0);
  if (s.lr <= 0) hp.fail("lr", "must be positive");
  s.weight_decay = hp.real("weight_decay", s.name == "adamw" ? 0.01 : 0.0, 0.0, 1.0);
  s.eps = hp.real("eps", 1e-8, 0.0, 1.0);
  if (s.eps <= 0) hp.fail("eps", "must be positive");
  auto below_one = [&](const std::string& key, double fallback) {
    double v = hp.real(key, fallback, 0.0, 1.0);
    if (v >= 1.0) hp.fail(key, "must be in [0, 1), got " + std::to_string(v));
    return v;
  };
  if (s.name == "sgd") {
    s.momentum = below_one("momentum", 0.0);
    s.nesterov = hp.boolean("nesterov", false);
    if (s.nesterov && s.momentum <= 0) hp.fail("nesterov", "needs momentum > 0");
  } else if (s.name == "rmsprop") {
    s.alpha = below_one("alpha", 0.99);
    s.momentum = below_one("momentum", 0.0);
  } else {
    s.beta1 = below_one("beta1", 0.9);
    s.beta2 = below_one("beta2", 0.999);
  }
  return s;
}

std::unique_ptr<torch::optim::OptimizerOptions> optimizer_options(const OptimizerSpec& s) {
  namespace optim = torch::optim;
  auto betas = std::make_tuple(s.beta1, s.beta2);
  if (s.name == "sgd")
    return std::make_unique<optim::SGDOptions>(optim::SGDOptions(s.lr)
                                                   .momentum(s.momentum)
                                                   .nesterov(s.nesterov)
                                                   .weight_decay(s.weight_decay));
  if (s.name == "rmsprop")
    return std::make_unique<optim::RMSpropOptions>(optim::RMSpropOptions(s.lr)
                                                       .alpha(s.alpha)
                                                       .momentum(s.momentum)
                                                       .eps(s.eps)
                                                       .weight_decay(s.weight_decay));
  if (s.name == "adamw")
    return std::make_unique<optim::AdamWOptions>(
        optim::AdamWOptions(s.lr).betas(betas).eps(s.eps).weight_decay(s.weight_decay));
  return std::make_unique<optim::AdamOptions>(
      optim::AdamOptions(s.lr).betas(betas).eps(s.eps).weight_decay(s.weight_decay));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerSpec& s,
                                                        std::vector<torch::Tensor> parameters) {
  namespace optim = torch::optim;
  if (cpu_optimizer_applies(parameters))
    return std::make_unique<CpuOptimizer>(std::move(parameters), s);
  const auto options = optimizer_options(s);
  if (s.name == "sgd")
    return std::make_unique<optim::SGD>(parameters, static_cast<optim::SGDOptions&>(*options));
  if (s.name == "rmsprop")
    return std::make_unique<optim::RMSprop>(parameters,
                                            static_cast<optim::RMSpropOptions&>(*options));
  if (s.name == "adamw")
    return std::make_unique<optim::AdamW>(parameters, static_cast<optim::AdamWOptions&>(*options));
  return std::make_unique<optim::Adam>(parameters, static_cast<optim::AdamOptions&>(*options));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Hyperparameters& hp,
                                                        std::vector<torch::Tensor> parameters) {
  return make_optimizer(optimizer_spec(hp), std::move(parameters));
}

}  // namespace tune
