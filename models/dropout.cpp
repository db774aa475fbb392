#include "models/dropout.h"

#include "common/error.h"

namespace tune {

SeededDropoutImpl::SeededDropoutImpl(double p) : p_(p) {
  if (!(p >= 0 && p < 1))
    throw ConfigError("dropout", "must be in [0, 1), got " + std::to_string(p));
}

torch::Tensor SeededDropoutImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  // Inverted dropout: keep each value with probability 1 - p and scale the kept ones up.
  torch::Tensor keep = torch::empty_like(x).bernoulli_(1 - p_, generator_);
  return x * keep.div_(1 - p_);
}

void SeededDropoutImpl::pretty_print(std::ostream& stream) const {
  stream << "tune::SeededDropout(p=" << p_ << ")";
}

}  // namespace tune
