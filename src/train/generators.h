#pragma once
// A trial's random streams: batch order and dropout masks come from generators of its own,
// seeded from the trial's seed only, so a trial repeats bit for bit whether it trains alone
// (Trainer) or in a fused group (train/fused/), whatever else runs in the process.
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace tune {

// A generator of the device's own kind (randperm on CUDA needs a CUDA generator), seeded by
// `seed` and shared with nobody.
at::Generator trial_generator(const c10::Device& device, uint64_t seed);

// The seed of a trial's dropout layer number `layer` (1-based, in the model's order).
inline uint64_t dropout_seed(uint64_t trial_seed, uint64_t layer) {
  return trial_seed ^ (0x9E3779B97F4A7C15ULL * layer);
}

}  // namespace tune
