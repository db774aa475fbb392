#include "train/generators.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include <mutex>
#include <numeric>
#include <utility>

namespace tune {

at::Generator trial_generator(const c10::Device& device, uint64_t seed) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(seed);
  at::Generator base = at::globalContext().defaultGenerator(device);
  at::Generator own;
  {
    std::lock_guard<std::mutex> lock(base.mutex());
    own = base.clone();
  }
  own.set_current_seed(seed);
  return own;
}

at::Tensor epoch_order(int64_t size, int64_t n, at::Generator& generator,
                       const c10::Device& device) {
  if (!device.is_cpu() || n >= size)
    return torch::randperm(size, generator, torch::dtype(torch::kLong).device(device))
        .narrow(0, 0, n);
  auto* gen = at::check_generator<at::CPUGeneratorImpl>(generator);
  at::Tensor pool = torch::empty({size}, torch::kLong);
  int64_t* index = pool.data_ptr<int64_t>();
  std::iota(index, index + size, int64_t{0});
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t left = static_cast<uint64_t>(size - i);
      std::swap(index[i], index[i + static_cast<int64_t>(gen->random64() % left)]);
    }
  }
  return pool.narrow(0, 0, n);
}

}  // namespace tune
