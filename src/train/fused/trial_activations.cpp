#include "train/fused/trial_activations.h"

#include <map>

#include "models/builders.h"

namespace tune {

TrialActivations::TrialActivations(const std::vector<std::string>& names, int64_t rank,
                                   int64_t trial_dim, const torch::Device& device) {
  const auto K = static_cast<int64_t>(names.size());
  std::map<std::string, std::vector<int64_t>> by_activation;
  for (int64_t k = 0; k < K; ++k) by_activation[names[k]].push_back(k);
  std::vector<int64_t> shape(rank, 1);
  shape[trial_dim] = K;
  for (const auto& [name, trials] : by_activation) {
    auto mask = torch::zeros({K}, torch::kBool);
    for (int64_t k : trials) mask[k] = true;
    used_.push_back({make_activation(name), mask.view(shape).to(device)});
  }
}

torch::Tensor TrialActivations::operator()(const torch::Tensor& h) {
  torch::Tensor out = used_.front().module.forward(h);
  for (size_t i = 1; i < used_.size(); ++i)
    out = torch::where(used_[i].rows, used_[i].module.forward(h), out);
  return out;
}

}  // namespace tune
