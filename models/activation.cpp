#include "common/error.h"
#include "models/builders.h"

namespace tune {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"relu", "tanh",       "elu",    "gelu",
                                                 "selu", "leaky_relu", "sigmoid"};
  return names;
}

torch::nn::AnyModule make_activation(const std::string& name) {
  namespace nn = torch::nn;
  if (name == "relu") return nn::AnyModule(nn::ReLU());
  if (name == "tanh") return nn::AnyModule(nn::Tanh());
  if (name == "elu") return nn::AnyModule(nn::ELU());
  if (name == "gelu") return nn::AnyModule(nn::GELU());
  if (name == "selu") return nn::AnyModule(nn::SELU());
  if (name == "leaky_relu") return nn::AnyModule(nn::LeakyReLU());
  if (name == "sigmoid") return nn::AnyModule(nn::Sigmoid());
  throw ConfigError("activation",
                    "unknown activation \"" + name + "\"; allowed: " + join(activation_names()));
}

}  // namespace tune
