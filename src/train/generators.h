#pragma once
// A trial's random streams: batch order and dropout masks come from generators of its own,
// seeded from the trial's seed only, so a trial repeats bit for bit whether it trains alone
// (Trainer) or in a fused group (train/fused/), whatever else runs in the process.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace tune {

// A generator of the device's own kind (randperm on CUDA needs a CUDA generator), seeded by
// `seed` and shared with nobody.
at::Generator trial_generator(const c10::Device& device, uint64_t seed);

// An epoch's batch order: the first n of a random permutation of 0..size-1 (n <= size), int64
// on `device`, drawn from `generator` (of the device's kind). On the CPU, when n < size (a fresh
// subset each epoch, data.train_subset "per_epoch"), a partial Fisher-Yates shuffle draws n
// numbers where randperm drew size: 3,840 instead of Fashion-MNIST's 60,000.
at::Tensor epoch_order(int64_t size, int64_t n, at::Generator& generator,
                       const c10::Device& device);

// The seed of a trial's dropout layer number `layer` (1-based, in the model's order).
inline uint64_t dropout_seed(uint64_t trial_seed, uint64_t layer) {
  return trial_seed ^ (0x9E3779B97F4A7C15ULL * layer);
}

}  // namespace tune
