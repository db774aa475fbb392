#include "strategy/tpe/parzen.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>

#include "space/rng.h"
#include "strategy/tpe/gauss.h"

namespace tune::tpe {

namespace {

uint64_t bits_of(double x) {
  x += 0.0;  // -0 -> +0
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

// Sorts (value, index) pairs by value, equal values in the order given. Non-negative doubles
// order as their bit patterns, so a large set takes an LSD radix sort (a pass per byte that
// varies) instead of n log n comparisons: the sort is most of a 10,000-trial ask otherwise.
void sort_by_value(std::vector<std::pair<double, size_t>>& items) {
  const bool radix = items.size() >= 512 && std::all_of(items.begin(), items.end(),
                                                        [](auto& it) { return it.first >= 0; });
  if (!radix) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return;
  }
  std::vector<std::pair<double, size_t>> out(items.size());
  for (int shift = 0; shift < 64; shift += 8) {
    std::array<size_t, 257> start{};
    for (const auto& it : items) ++start[((bits_of(it.first) >> shift) & 0xff) + 1];
    if (*std::max_element(start.begin(), start.end()) == items.size()) continue;  // all equal
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    for (const auto& it : items) out[start[(bits_of(it.first) >> shift) & 0xff]++] = it;
    items.swap(out);
  }
}

// Bandwidths of n observations on [low, high] (see the header); `sorted` gets the observations
// in increasing order with their indices.
std::vector<double> bandwidths(const std::vector<double>& x, double low, double high,
                               std::vector<std::pair<double, size_t>>& sorted) {
  const size_t n = x.size();
  sorted.resize(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = {x[i], i};
  sort_by_value(sorted);
  const double range = high - low;
  const double min_sigma = range / std::min(100.0, static_cast<double>(n) + 2);
  std::vector<double> sigma(n);
  for (size_t r = 0; r < n; ++r) {
    const double at = sorted[r].first;
    const double left = at - (r == 0 ? low : sorted[r - 1].first);
    const double right = (r + 1 == n ? high : sorted[r + 1].first) - at;
    double s = std::max(left, right);
    if (n >= 2 && r == 0) s = right;  // the domain's ends are not neighbours
    if (n >= 2 && r + 1 == n) s = left;
    sigma[sorted[r].second] = std::clamp(s, min_sigma, range);
  }
  return sigma;
}

double log_sum_exp(const std::vector<double>& v) {
  const double top = *std::max_element(v.begin(), v.end());
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (double x : v)  // terms below e^-50 of the largest cannot change the sum of <= 1e6 terms
    if (x - top > -50) sum += std::exp(x - top);
  return top + std::log(sum);
}

}  // namespace

std::vector<double> default_weights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n <= 25) return w;
  const size_t ramp = n - 25;
  const double first = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i)
    w[i] = ramp == 1 ? first : first + (1 - first) * static_cast<double>(i) / (ramp - 1);
  return w;
}

ParzenEstimator::ParzenEstimator(std::vector<Dim> dims, const std::vector<double>& points,
                                 const std::vector<double>& weights, double prior_weight)
    : dims_(std::move(dims)) {
  const size_t n = weights.size(), d = dims_.size();
  // Without observations the prior is the whole mixture.
  std::vector<double> w = weights;
  w.push_back(n == 0 ? 1.0 : prior_weight);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  double running = 0;
  for (double x : w) {
    log_weight_.push_back(std::log(x / total));
    cumulative_.push_back(running += x / total);
  }
  base_ = log_weight_;
  mu_.resize(d), sigma_.resize(d), inv_sigma_.resize(d), pair_of_.resize(d), pairs_.resize(d);
  observed_.resize(d), log_hit_.resize(d), log_miss_.resize(d), log_uniform_.resize(d);
  for (size_t j = 0; j < d; ++j) {
    if (dims_[j].kind == Dim::Kind::Categorical)
      add_categorical(j, points, n, prior_weight);
    else
      add_numeric(j, points, n);
  }
}

void ParzenEstimator::add_numeric(size_t j, const std::vector<double>& points, size_t n) {
  const Dim& dim = dims_[j];
  const size_t d = dims_.size();
  std::vector<double>& mu = mu_[j];
  for (size_t i = 0; i < n; ++i) mu.push_back(points[i * d + j]);
  std::vector<std::pair<double, size_t>> sorted;
  sigma_[j] = bandwidths(mu, dim.low, dim.high, sorted);
  mu.push_back(0.5 * (dim.low + dim.high));
  sigma_[j].push_back(dim.high - dim.low);
  for (size_t k = 0; k <= n; ++k) {
    const double s = sigma_[j][k];
    inv_sigma_[j].push_back(1 / s);
    // Truncation to the support renormalises each kernel (by less than 1e-16 when both ends
    // are over 8.3 sigmas away: most kernels of a large study, whose bandwidths are small).
    const double a = (dim.low - mu[k]) / s, b = (dim.high - mu[k]) / s;
    if (a > -8.3 || b < 8.3) base_[k] -= log_normal_mass(a, b);
    if (dim.kind == Dim::Kind::Continuous) base_[k] -= std::log(s) + 0.5 * std::log(2 * M_PI);
  }
  if (dim.kind != Dim::Kind::Discrete) return;
  // Equal observations are adjacent in sorted order and take at most three bandwidths (the
  // first copy's left gap, the last's right gap, the clip between), so one pass finds the
  // distinct (mu, sigma) pairs.
  std::vector<std::pair<double, double>>& pairs = pairs_[j];
  std::vector<size_t>& pair_of = pair_of_[j];
  pair_of.resize(n + 1);
  for (size_t r = 0; r < n;) {
    const size_t run_start = pairs.size();
    const double value = sorted[r].first;
    for (; r < n && sorted[r].first == value; ++r) {
      const size_t k = sorted[r].second;
      size_t id = run_start;
      while (id < pairs.size() && pairs[id].second != sigma_[j][k]) ++id;
      if (id == pairs.size()) pairs.emplace_back(value, sigma_[j][k]);
      pair_of[k] = id;
    }
  }
  pairs.emplace_back(mu[n], sigma_[j][n]);  // the prior
  pair_of[n] = pairs.size() - 1;
}

void ParzenEstimator::add_categorical(size_t j, const std::vector<double>& points, size_t n,
                                      double prior_weight) {
  const double c = static_cast<double>(dims_[j].choices);
  const double spread = prior_weight / static_cast<double>(n + 1);
  log_hit_[j] = std::log((spread + 1) / (1 + c * spread));
  log_miss_[j] = std::log(spread / (1 + c * spread));
  log_uniform_[j] = -std::log(c);
  for (size_t i = 0; i < n; ++i)
    observed_[j].push_back(static_cast<size_t>(points[i * dims_.size() + j]));
}

std::vector<double> ParzenEstimator::sample(std::mt19937_64& rng) const {
  const double u = unit_double(rng);
  const size_t k = std::min<size_t>(
      cumulative_.size() - 1,
      static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) -
                          cumulative_.begin()));
  const bool prior = k + 1 == kernels();
  std::vector<double> x(dims_.size());
  for (size_t j = 0; j < dims_.size(); ++j) {
    const Dim& dim = dims_[j];
    if (dim.kind == Dim::Kind::Categorical) {
      const uint64_t choices = dim.choices;
      if (prior || unit_double(rng) >= std::exp(log_hit_[j])) {
        // Uniform over all choices (prior) or over those the kernel did not observe.
        const size_t skip = prior ? choices : observed_[j][k];
        size_t pick = uniform_index(rng, prior ? choices : choices - 1);
        if (pick >= skip) ++pick;
        x[j] = static_cast<double>(pick);
      } else {
        x[j] = static_cast<double>(observed_[j][k]);
      }
      continue;
    }
    x[j] = truncated_normal_draw(rng, mu_[j][k], sigma_[j][k], dim.low, dim.high);
    if (dim.kind == Dim::Kind::Discrete) x[j] = dim.snap(x[j]);
  }
  return x;
}

double ParzenEstimator::log_pdf(const std::vector<double>& x) const {
  const size_t kn = kernels();
  std::vector<double> acc = base_;
  for (size_t j = 0; j < dims_.size(); ++j) {
    const Dim& dim = dims_[j];
    if (dim.kind == Dim::Kind::Continuous) {
      const double* mu = mu_[j].data();
      const double* inv = inv_sigma_[j].data();
      for (size_t k = 0; k < kn; ++k) {
        const double z = (x[j] - mu[k]) * inv[k];
        acc[k] -= 0.5 * z * z;
      }
    } else if (dim.kind == Dim::Kind::Discrete) {
      const auto [a, b] = dim.cell(x[j]);
      std::vector<double> mass;
      mass.reserve(pairs_[j].size());
      for (const auto& [m, s] : pairs_[j])
        mass.push_back(log_normal_mass((a - m) / s, (b - m) / s));
      for (size_t k = 0; k < kn; ++k) acc[k] += mass[pair_of_[j][k]];
    } else {
      const size_t c = static_cast<size_t>(x[j]);
      for (size_t k = 0; k + 1 < kn; ++k)
        acc[k] += observed_[j][k] == c ? log_hit_[j] : log_miss_[j];
      acc[kn - 1] += log_uniform_[j];
    }
  }
  return log_sum_exp(acc);
}

}  // namespace tune::tpe
