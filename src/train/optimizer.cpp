#include "train/optimizer.h"

namespace tune {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw", "rmsprop"};
  return names;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Hyperparameters& hp,
                                                        std::vector<torch::Tensor> parameters) {
  namespace optim = torch::optim;
  std::string name = hp.choice("optimizer", "adam", optimizer_names());
  double lr = hp.real("lr", name == "sgd" ? 0.01 : 0.001, 0.0, 10.0);
  if (lr <= 0) hp.fail("lr", "must be positive");
  double decay = hp.real("weight_decay", name == "adamw" ? 0.01 : 0.0, 0.0, 1.0);
  double eps = hp.real("eps", 1e-8, 0.0, 1.0);
  if (eps <= 0) hp.fail("eps", "must be positive");
  auto below_one = [&](const std::string& key, double fallback) {
    double v = hp.real(key, fallback, 0.0, 1.0);
    if (v >= 1.0) hp.fail(key, "must be in [0, 1), got " + std::to_string(v));
    return v;
  };
  if (name == "sgd") {
    double momentum = below_one("momentum", 0.0);
    bool nesterov = hp.boolean("nesterov", false);
    if (nesterov && momentum <= 0) hp.fail("nesterov", "needs momentum > 0");
    return std::make_unique<optim::SGD>(
        parameters,
        optim::SGDOptions(lr).momentum(momentum).nesterov(nesterov).weight_decay(decay));
  }
  if (name == "rmsprop") {
    return std::make_unique<optim::RMSprop>(parameters, optim::RMSpropOptions(lr)
                                                            .alpha(below_one("alpha", 0.99))
                                                            .momentum(below_one("momentum", 0.0))
                                                            .eps(eps)
                                                            .weight_decay(decay));
  }
  auto betas = std::make_tuple(below_one("beta1", 0.9), below_one("beta2", 0.999));
  if (name == "adamw")
    return std::make_unique<optim::AdamW>(
        parameters, optim::AdamWOptions(lr).betas(betas).eps(eps).weight_decay(decay));
  return std::make_unique<optim::Adam>(
      parameters, optim::AdamOptions(lr).betas(betas).eps(eps).weight_decay(decay));
}

}  // namespace tune
