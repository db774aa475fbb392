#include "common/error.h"
#include "models/builders.h"

namespace tune {

void ModelRegistry::add(const std::string& name, ModelBuilder builder) {
  builders_[name] = std::move(builder);
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, builder] : builders_) out.push_back(name);
  return out;
}

torch::nn::Sequential ModelRegistry::build(const Hyperparameters& hp, const InputShape& input_shape,
                                           int64_t num_classes) const {
  std::string name = hp.choice("model", "mlp", names());
  return builders_.at(name)(hp, input_shape, num_classes);
}

ModelRegistry builtin_models() {
  ModelRegistry r;
  r.add("mlp", build_mlp);
  r.add("cnn", build_cnn);
  return r;
}

int64_t count_parameters(const torch::nn::Module& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace tune
