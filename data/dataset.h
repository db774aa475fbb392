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
// Images read as bytes may stay bytes on the CPU (x uint8, `divisor` nonzero: the features are
// x / divisor, computed for each batch as it is taken): Fashion-MNIST's training images are
// then 47 MB rather than 188 MB, and a study's start skips converting them all. Code that
// reads features takes them through rows(), slice() or features(), never x directly.
struct Split {
  torch::Tensor x;
  torch::Tensor y;
  // Training only: how many of these examples one epoch trains on, drawn afresh each epoch
  // (data.train_subset "per_epoch"); 0: all of them, in a new order each epoch.
  int64_t per_epoch = 0;
  // 0: x holds the features. Otherwise x holds bytes and the features are x / divisor.
  float divisor = 0;
  int64_t size() const { return y.defined() ? y.size(0) : 0; }
  bool empty() const { return size() == 0; }
  int64_t epoch_size() const { return per_epoch > 0 ? per_epoch : size(); }
  bool bytes() const { return divisor != 0; }
  // The features of the examples `index` (int64 on x's device) names, in that order: float32
  // [index.size(0), ...input_shape].
  torch::Tensor rows(const torch::Tensor& index) const;
  // The features of examples first .. first + count - 1.
  torch::Tensor slice(int64_t first, int64_t count) const;
  // Every example's features (x itself unless x holds bytes).
  torch::Tensor features() const;
  // dtype and device of the features.
  torch::TensorOptions feature_options() const;
  // The split on `device`: bytes stay bytes on the CPU and become features elsewhere (a GPU
  // step copies its batch into a fixed float buffer).
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
  torch::Tensor x;    // float32 [N, ...], or uint8 when divisor is nonzero (as Split)
  torch::Tensor y;    // int64 [N]
  float divisor = 0;  // as Split::divisor
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
