#include "models/dropout.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <limits>
#include <mutex>

#include "common/cpu.h"
#include "common/error.h"

namespace tune {
namespace {

// mask[i] = (hash(key, i) >= threshold) * scale, with a 32-bit integer hash (multiply and
// xor-shift rounds, both key halves mixed in) that the compiler vectorises; built for AVX-512,
// AVX2 and the baseline, picked at load time.
__attribute__((target_clones("avx512f", "avx2", "default"))) void fill_keep_mask(
    float* mask, uint32_t n, uint64_t key, uint32_t threshold, float scale) {
  const uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t h = (i + k0) * 0x9e3779b1u;
    h ^= h >> 16;
    h *= 0x21f0aaadu;
    h ^= h >> 15;
    h ^= k1;
    h *= 0x735a2d97u;
    h ^= h >> 15;
    mask[i] = h >= threshold ? scale : 0.0f;
  }
}

uint64_t draw_key(const std::optional<at::Generator>& generator) {
  at::Generator gen = generator ? *generator : at::detail::getDefaultCPUGenerator();
  auto* impl = at::check_generator<at::CPUGeneratorImpl>(gen);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return impl->random64();
}

}  // namespace

torch::Tensor dropout_keep_mask(const torch::Tensor& like, double rate,
                                const std::optional<at::Generator>& generator) {
  const bool hashed = cpu_kernels() == CpuKernels::Tuned && like.device().is_cpu() &&
                      like.scalar_type() == torch::kFloat &&
                      like.numel() <= std::numeric_limits<uint32_t>::max() &&
                      (!generator || generator->device().is_cpu());
  if (!hashed) return torch::empty_like(like).bernoulli_(1 - rate, generator).div_(1 - rate);
  torch::Tensor mask = torch::empty(like.sizes(), like.options().requires_grad(false));
  // Dropped when the hash falls below rate * 2^32.
  const double cut = rate * 4294967296.0;
  const uint32_t threshold = cut >= 4294967295.0 ? 4294967295u : static_cast<uint32_t>(cut);
  fill_keep_mask(mask.data_ptr<float>(), static_cast<uint32_t>(mask.numel()), draw_key(generator),
                 threshold, static_cast<float>(1 / (1 - rate)));
  return mask;
}

SeededDropoutImpl::SeededDropoutImpl(double p) : p_(p) {
  if (!(p >= 0 && p < 1))
    throw ConfigError("dropout", "must be in [0, 1), got " + std::to_string(p));
}

torch::Tensor SeededDropoutImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  // Inverted dropout: keep each value with probability 1 - p and scale the kept ones up.
  return x * dropout_keep_mask(x, p_, generator_);
}

void SeededDropoutImpl::pretty_print(std::ostream& stream) const {
  stream << "tune::SeededDropout(p=" << p_ << ")";
}

}  // namespace tune
