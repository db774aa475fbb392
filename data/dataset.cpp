#include "data/dataset.h"

#include <random>
#include <stdexcept>

namespace tune {
namespace {

struct Stats {
  torch::Tensor mean;
  torch::Tensor std;
};

// Statistics of the training features: one scalar pair (images) or one pair per feature
// (tabular columns with different units). Constant features keep a unit scale. None computes
// nothing (for Fashion-MNIST's training images the pass took a fifth of a second).
Stats training_stats(const torch::Tensor& x, Normalization mode) {
  if (mode == Normalization::None) return {};
  if (mode == Normalization::Global) {
    return {x.mean(), x.std().clamp_min(1e-8)};
  }
  return {x.mean(0, /*keepdim=*/true),
          x.std(0, /*unbiased=*/true, /*keepdim=*/true).clamp_min(1e-8)};
}

// `owned`: the split's tensors are fresh copies nobody else sees, so they are normalised in
// place (Fashion-MNIST's training images are 170 MB as floats).
Split normalised(const Split& s, const Stats& stats, Normalization mode, bool owned) {
  if (mode == Normalization::None || s.empty()) return s;
  if (owned) {
    s.x.sub_(stats.mean).div_(stats.std);
    return s;
  }
  return {(s.x - stats.mean) / stats.std, s.y, s.per_epoch};
}

void check_examples(const Examples& e, const std::string& what) {
  if (!e.x.defined() || !e.y.defined() || e.x.dim() < 2 || e.y.dim() != 1 ||
      e.x.size(0) != e.y.size(0))
    throw std::invalid_argument(what + ": features and labels must hold the same examples");
}

// The three splits before normalisation; `*_owned`: those tensors are fresh copies.
struct Parts {
  Split train, val, test;
  bool train_owned = true, test_owned = false;
};

Split gather(const Examples& e, const torch::Tensor& indices) {
  return {e.x.index_select(0, indices), e.y.index_select(0, indices)};
}

// The first `limit` of `indices` (all of them when `limit` is 0); a limit beyond them throws,
// naming the limit's `key` and the `split` it cuts.
torch::Tensor first(const torch::Tensor& indices, int64_t limit, const std::string& key,
                    const std::string& split) {
  if (limit == 0) return indices;
  if (limit > indices.size(0))
    throw std::invalid_argument(key + " " + std::to_string(limit) + " is more than the " +
                                std::to_string(indices.size(0)) + " " + split +
                                " examples there are");
  return indices.narrow(0, 0, limit);
}

// The training split from the shuffled `indices` of the training examples: the first
// train_limit of them, or with train_subset_per_epoch all of them, an epoch drawing
// train_limit afresh. A pool of every training example is the examples as read, not a copy
// (Fashion-MNIST's are 188 MB as floats): p.train_owned says which.
void training_part(const Examples& train, const torch::Tensor& indices, const SplitOptions& o,
                   Parts& p) {
  torch::Tensor kept = first(indices, o.train_limit, "train_limit", "training");
  if (!o.train_subset_per_epoch) {
    p.train = gather(train, kept);
    return;
  }
  const bool every_example = indices.size(0) == train.y.size(0);
  p.train = every_example ? Split{train.x, train.y} : gather(train, indices);
  p.train_owned = !every_example;
  p.train.per_epoch = o.train_limit;
}

torch::Tensor shuffled(int64_t n, uint64_t seed) {
  return torch::tensor(shuffled_indices(n, seed), torch::kLong);
}

// Validation: the front of the shuffled training examples; training: the rest.
Parts split_from_train(const Examples& train, const std::optional<Examples>& test,
                       const SplitOptions& o) {
  int64_t n = train.y.size(0);
  int64_t n_val = static_cast<int64_t>(static_cast<double>(n) * o.validation_fraction);
  if (n_val < 1 || n_val >= n)
    throw std::invalid_argument("validation_fraction " + std::to_string(o.validation_fraction) +
                                " of " + std::to_string(n) + " examples leaves an empty split");
  torch::Tensor order = shuffled(n, o.seed);
  Parts p;
  training_part(train, order.narrow(0, n_val, n - n_val), o, p);
  p.val = gather(train, first(order.narrow(0, 0, n_val), o.validation_limit, "validation_limit",
                              "validation"));
  if (test) p.test = Split{test->x, test->y};
  return p;
}

// Validation: the front of the shuffled test examples; test: the rest of them.
Parts split_from_test(const Examples& train, const std::optional<Examples>& test,
                      const SplitOptions& o) {
  if (!test || test->y.size(0) == 0)
    throw std::invalid_argument("validation_from \"test\" needs a test split; this data has none");
  int64_t m = test->y.size(0);
  torch::Tensor order = shuffled(m, o.seed);
  torch::Tensor val_idx = first(order, o.validation_limit, "validation_limit", "test");
  const int64_t n_val = val_idx.size(0);
  Parts p;
  training_part(train, shuffled(train.y.size(0), o.seed), o, p);
  p.val = gather(*test, val_idx);
  if (n_val < m) p.test = gather(*test, order.narrow(0, n_val, m - n_val));
  p.test_owned = true;
  return p;
}

}  // namespace

Split Split::to(const torch::Device& device) const {
  if (empty()) return *this;
  return {x.to(device), y.to(device), per_epoch};
}

Dataset Dataset::to(const torch::Device& device) const {
  Dataset out = *this;
  out.train = train.to(device);
  out.val = val.to(device);
  out.test = test.to(device);
  return out;
}

std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    // Unbiased draw in [0, i] without relying on a library distribution's algorithm.
    uint64_t bound = static_cast<uint64_t>(i) + 1, limit = UINT64_MAX - UINT64_MAX % bound, r;
    do r = rng();
    while (r >= limit);
    std::swap(idx[static_cast<size_t>(i)], idx[static_cast<size_t>(r % bound)]);
  }
  return idx;
}

Dataset make_dataset(std::string name, const Examples& train, const std::optional<Examples>& test,
                     int64_t num_classes, std::vector<int64_t> input_shape,
                     const SplitOptions& options) {
  check_examples(train, "training data");
  if (test) check_examples(*test, "test data");
  Parts parts = options.validation_from == ValidationSource::Test
                    ? split_from_test(train, test, options)
                    : split_from_train(train, test, options);
  Stats stats = training_stats(parts.train.x, options.normalization);

  Dataset d;
  d.name = std::move(name);
  d.train = normalised(parts.train, stats, options.normalization, parts.train_owned);
  d.val = normalised(parts.val, stats, options.normalization, true);
  d.test = normalised(parts.test, stats, options.normalization, parts.test_owned);
  d.num_classes = num_classes;
  d.input_shape = std::move(input_shape);
  return d;
}

}  // namespace tune
