#pragma once
// Dropout whose masks come from a generator of its own, which the trainer seeds from the
// trial's seed, instead of LibTorch's process-wide generator: trials training side by side in
// one process then neither disturb each other's masks nor depend on who drew first, and each
// trial is repeatable. Without a generator (a model used outside the trainer) it draws from the
// global one, like torch::nn::Dropout.
#include <torch/torch.h>

#include <optional>

namespace tune {

class SeededDropoutImpl : public torch::nn::Cloneable<SeededDropoutImpl> {
 public:
  explicit SeededDropoutImpl(double p);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  // The generator must be on the device the module's inputs are on.
  void set_generator(at::Generator generator) { generator_ = std::move(generator); }
  double p() const { return p_; }
  void pretty_print(std::ostream& stream) const override;

 private:
  double p_;
  std::optional<at::Generator> generator_;
};

TORCH_MODULE(SeededDropout);

}  // namespace tune
