#pragma once
// A classification dataset held as tensors: train, validation and (optionally) test splits,
// already normalised with statistics of the training split only. Moved to a device once with
// `to()`; the trainer slices batches on that device.
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tune {

// Features x (float32, [N, ...input_shape]) and labels y (int64, [N], values 0..classes-1).
struct Split {
  torch::Tensor x;
  torch::Tensor y;
  // Training only: how many of these examples one epoch trains on, drawn afresh each epoch
  // (data.train_subset "per_epoch"); 0: all of them, in a new order each epoch.
  int64_t per_epoch = 0;
  int64_t size() const { return y.defined() ? y.size(0) : 0; }
  bool empty() const { return size() == 0; }
  int64_t epoch_size() const { return per_epoch > 0 ? per_epoch : size(); }
  Split to(const torch::Device& device) const;
};

struct Dataset {
  std::string name;
  Split train;
  Split val;
  Split test;  // empty when the source has no test split
  int64_t num_classes = 0;
  std::vector<int64_t> input_shape;  // one example's shape: {1, 28, 28}, {20}

  bool has_test() const { return !test.empty(); }
  // A copy whose tensors live on `device` (the same tensors when already there).
  Dataset to(const torch::Device& device) const;
};

// Labelled examples before splitting.
struct Examples {
  torch::Tensor x;  // float32 [N, ...]
  torch::Tensor y;  // int64 [N]
};

enum class Normalization { None, Global, PerFeature };

// Where the validation examples come from: a fraction of the training examples, or the test
// examples (as some published sweeps do; the test examples left over stay the test split).
enum class ValidationSource { Train, Test };

struct SplitOptions {
  double validation_fraction = 0.1;  // of the training examples, in (0, 1); source Train only
  uint64_t seed = 0;                 // which examples go to validation and past the limits
  Normalization normalization = Normalization::Global;
  ValidationSource validation_from = ValidationSource::Train;
  int64_t train_limit = 0;       // keep the first N training examples after the shuffle; 0: all
  int64_t validation_limit = 0;  // the same for validation
  // Keep every training example and draw train_limit of them afresh each epoch (Split::
  // per_epoch) instead of one fixed subset.
  bool train_subset_per_epoch = false;
};

// 0..n-1 shuffled by a Fisher-Yates pass over std::mt19937_64(seed): the same on every
// platform, so a split seed names the same split everywhere.
std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed);

// Shuffles `train` by `options.seed` and splits it into train/validation (or, with validation
// from Test, takes validation from the front of `test` shuffled by the same seed and keeps the
// rest of `test` as the test split), cuts train and validation to their limits, normalises
// every split with the training part's statistics and keeps the test split apart. Throws
// std::invalid_argument when the shapes disagree, a split would be empty, or validation from
// Test has no test examples.
Dataset make_dataset(std::string name, const Examples& train, const std::optional<Examples>& test,
                     int64_t num_classes, std::vector<int64_t> input_shape,
                     const SplitOptions& options);

}  // namespace tune
