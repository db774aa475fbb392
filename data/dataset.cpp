#include "data/dataset.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <random>
#include <stdexcept>

namespace tune {
namespace {

// out[i] = in[i] / divisor in float32, as torch's true division of bytes computes it. Written
// with AVX-512 and AVX2 intrinsics, picked at run time: the compiler's own vectorisation of
// the loop ran 16 times slower on this CPU (59 us against 3.7 us for a 128-image batch).
void bytes_to_features_portable(const uint8_t* in, float* out, int64_t n, float divisor) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) / divisor;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void bytes_to_features_avx512(const uint8_t* in, float* out,
                                                                 int64_t n, float divisor) {
  const __m512 d = _mm512_set1_ps(divisor);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    // The zero-masked forms: GCC 12 warns of the plain ones' undefined pass-through operand.
    const __m512i ints = _mm512_maskz_cvtepu8_epi32(0xffff, bytes);
    _mm512_storeu_ps(out + i, _mm512_div_ps(_mm512_maskz_cvtepi32_ps(0xffff, ints), d));
  }
  bytes_to_features_portable(in + i, out + i, n - i, divisor);
}

__attribute__((target("avx2"))) void bytes_to_features_avx2(const uint8_t* in, float* out,
                                                            int64_t n, float divisor) {
  const __m256 d = _mm256_set1_ps(divisor);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_div_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)), d));
  }
  bytes_to_features_portable(in + i, out + i, n - i, divisor);
}
#endif

using BytesToFeatures = void (*)(const uint8_t*, float*, int64_t, float);

BytesToFeatures pick_bytes_to_features() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return bytes_to_features_avx512;
  if (__builtin_cpu_supports("avx2")) return bytes_to_features_avx2;
#endif
  return bytes_to_features_portable;
}

const BytesToFeatures bytes_to_features = pick_bytes_to_features();

// Asks for the cache lines of `size` bytes at `p` ahead of their use.
void prefetch(const uint8_t* p, int64_t size) {
  for (int64_t offset = 0; offset < size; offset += 64) __builtin_prefetch(p + offset);
}

// Features of bytes `x` (CPU): rows `index` when it is defined, else rows first .. first +
// count - 1; gathered and converted in one pass.
torch::Tensor bytes_as_features(const torch::Tensor& bytes, float divisor,
                                const torch::Tensor& index, int64_t first, int64_t count) {
  auto x = bytes.contiguous();
  torch::Tensor idx;
  if (index.defined()) {
    idx = index.to(torch::kCPU, torch::kLong).contiguous();
    count = idx.size(0);
  }
  std::vector<int64_t> shape = x.sizes().vec();
  shape[0] = count;
  auto out = torch::empty(shape, torch::kFloat);
  const int64_t rows = x.size(0), row = rows > 0 ? x.numel() / rows : 0;
  const uint8_t* in = x.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  if (!idx.defined()) {
    TORCH_CHECK(first >= 0 && count >= 0 && first + count <= rows, "examples ", first, "..",
                first + count, " are out of range for ", rows);
    bytes_to_features(in + first * row, dst, count * row, divisor);
    return out;
  }
  const int64_t* at = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < count; ++i)
    TORCH_CHECK(at[i] >= 0 && at[i] < rows, "index ", at[i], " is out of range for ", rows,
                " examples");
  // Rows drawn at random from a pool larger than the cache: each row is asked for two rows
  // ahead (a 128-image batch from Fashion-MNIST's 47 MB: 26 us without, 11 us with).
  constexpr int64_t kAhead = 2;
  for (int64_t i = 0; i < std::min(kAhead, count); ++i) prefetch(in + at[i] * row, row);
  for (int64_t i = 0; i < count; ++i) {
    if (i + kAhead < count) prefetch(in + at[i + kAhead] * row, row);
    bytes_to_features(in + at[i] * row, dst + i * row, row, divisor);
  }
  return out;
}

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
// place (Fashion-MNIST's training images are 170 MB as floats). Bytes are left as they are
// (normalisation None; other modes convert them first).
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
  return {e.x.index_select(0, indices), e.y.index_select(0, indices), 0, e.divisor};
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
  p.train = every_example ? Split{train.x, train.y, 0, train.divisor} : gather(train, indices);
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
  if (test) p.test = Split{test->x, test->y, 0, test->divisor};
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

torch::Tensor Split::rows(const torch::Tensor& index) const {
  return bytes() ? bytes_as_features(x, divisor, index, 0, 0) : x.index_select(0, index);
}

torch::Tensor Split::slice(int64_t first, int64_t count) const {
  return bytes() ? bytes_as_features(x, divisor, {}, first, count) : x.narrow(0, first, count);
}

torch::Tensor Split::features() const {
  return bytes() ? bytes_as_features(x, divisor, {}, 0, size()) : x;
}

torch::TensorOptions Split::feature_options() const {
  return x.options().dtype(torch::kFloat);
}

Split Split::to(const torch::Device& device) const {
  if (empty()) return *this;
  if (bytes() && !device.is_cpu()) return {features().to(device), y.to(device), per_epoch};
  return {x.to(device), y.to(device), per_epoch, divisor};
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
  if (options.normalization != Normalization::None &&
      (train.divisor != 0 || (test && test->divisor != 0))) {
    // Statistics and normalised copies are of the features: convert bytes first.
    auto as_features = [](const Examples& e) {
      return e.divisor == 0 ? e : Examples{Split{e.x, e.y, 0, e.divisor}.features(), e.y};
    };
    std::optional<Examples> test_features;
    if (test) test_features = as_features(*test);
    return make_dataset(std::move(name), as_features(train), test_features, num_classes,
                        std::move(input_shape), options);
  }
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
