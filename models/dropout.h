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
  const std::optional<at::Generator>& generator() const { return generator_; }
  void pretty_print(std::ostream& stream) const override;

 private:
  double p_;
  std::optional<at::Generator> generator_;
};

TORCH_MODULE(SeededDropout);

// The mask of inverted dropout for a tensor shaped like `like`: each value 1 / (1 - rate) with
// probability 1 - rate, else 0, drawn from `generator` (LibTorch's global one when absent),
// which must be on `like`'s device. On the CPU, for float32, the generator gives one 64-bit
// key and a counter-based hash of (key, index) gives the values, in one vectorised pass: the
// Bernoulli sampling LibTorch does there draws from its Mersenne Twister one value at a time,
// about a tenth of a small MLP's training step. Elsewhere, or with LibTorch's CPU kernels
// (common/cpu.h), it is LibTorch's bernoulli_.
torch::Tensor dropout_keep_mask(const torch::Tensor& like, double rate,
                                const std::optional<at::Generator>& generator);

}  // namespace tune
