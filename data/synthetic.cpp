#include "data/synthetic.h"

#include <ATen/CPUGeneratorImpl.h>

namespace tune {
namespace {

Examples draw(const torch::Tensor& centres, int64_t n, const std::vector<int64_t>& shape,
              at::Generator& gen) {
  auto y = torch::randint(centres.size(0), {n}, gen, torch::kLong);
  auto x = centres.index_select(0, y) + torch::randn({n, centres.size(1)}, gen);
  std::vector<int64_t> full = {n};
  full.insert(full.end(), shape.begin(), shape.end());
  return {x.reshape(full).contiguous(), y};
}

}  // namespace

SyntheticData make_synthetic(const SyntheticOptions& o) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  auto centres = torch::randn({o.classes, o.features}, gen) * o.separation;
  std::vector<int64_t> shape = o.shape.empty() ? std::vector<int64_t>{o.features} : o.shape;
  SyntheticData d;
  d.train = draw(centres, o.samples, shape, gen);
  if (o.test_samples > 0) d.test = draw(centres, o.test_samples, shape, gen);
  return d;
}

}  // namespace tune
