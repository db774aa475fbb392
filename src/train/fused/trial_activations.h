#pragma once
// Each trial's activation applied to its own slice of a fused group's tensor: every activation
// the group uses runs once over the whole tensor, and each trial's slice is taken from its own
// (torch::where over a per-trial mask), so trials with different activations share one layer.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace tune {

class TrialActivations {
 public:
  // names[k] is trial k's activation; the tensors it applies to have `rank` dimensions, of
  // which `trial_dim` runs over the K trials.
  TrialActivations(const std::vector<std::string>& names, int64_t rank, int64_t trial_dim,
                   const torch::Device& device);

  torch::Tensor operator()(const torch::Tensor& h);

 private:
  struct Used {
    torch::nn::AnyModule module;
    torch::Tensor rows;  // bool, K along trial_dim and 1 elsewhere: the trials using it
  };
  std::vector<Used> used_;
};

}  // namespace tune
