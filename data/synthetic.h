#pragma once
// Gaussian blobs: one random centre per class, examples scattered around it with unit noise.
// Well separated by default, so a small model learns it in a few epochs (tests, demos).
#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace tune {

struct SyntheticOptions {
  int64_t samples = 1000;      // training examples (before the validation split)
  int64_t test_samples = 200;  // 0: no test split
  int64_t features = 20;
  int64_t classes = 3;
  double separation = 3.0;  // standard deviation of the class centres; noise has 1
  uint64_t seed = 0;
  std::vector<int64_t> shape;  // optional example shape, e.g. {1, 4, 5}; product == features
};

struct SyntheticData {
  Examples train;
  Examples test;  // empty tensors when test_samples == 0
};

// Same options, same data, on every run (an explicit CPU generator seeded by `seed`).
SyntheticData make_synthetic(const SyntheticOptions& options);

}  // namespace tune
