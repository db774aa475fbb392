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
// (tabular columns with different units). Constant features keep a unit scale.
Stats training_stats(const torch::Tensor& x, Normalization mode) {
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
  return {(s.x - stats.mean) / stats.std, s.y};
}

void check_examples(const Examples& e, const std::string& what) {
  if (!e.x.defined() || !e.y.defined() || e.x.dim() < 2 || e.y.dim() != 1 ||
      e.x.size(0) != e.y.size(0))
    throw std::invalid_argument(what + ": features and labels must hold the same examples");
}

}  // namespace

Split Split::to(const torch::Device& device) const {
  if (empty()) return *this;
  return {x.to(device), y.to(device)};
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
  int64_t n = train.y.size(0);
  int64_t n_val = static_cast<int64_t>(static_cast<double>(n) * options.validation_fraction);
  if (n_val < 1 || n_val >= n)
    throw std::invalid_argument("validation_fraction " +
                                std::to_string(options.validation_fraction) + " of " +
                                std::to_string(n) + " examples leaves an empty split");
  auto order = torch::tensor(shuffled_indices(n, options.seed), torch::kLong);
  auto val_idx = order.narrow(0, 0, n_val), train_idx = order.narrow(0, n_val, n - n_val);
  Split tr{train.x.index_select(0, train_idx), train.y.index_select(0, train_idx)};
  Split va{train.x.index_select(0, val_idx), train.y.index_select(0, val_idx)};
  Split te = test ? Split{test->x, test->y} : Split{};
  Stats stats = training_stats(tr.x, options.normalization);

  Dataset d;
  d.name = std::move(name);
  d.train = normalised(tr, stats, options.normalization, true);
  d.val = normalised(va, stats, options.normalization, true);
  d.test = normalised(te, stats, options.normalization, false);
  d.num_classes = num_classes;
  d.input_shape = std::move(input_shape);
  return d;
}

}  // namespace tune
