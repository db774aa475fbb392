#pragma once
// A Parzen estimator as TPE uses it: a weighted mixture with one kernel per observation plus a
// prior kernel, each kernel a product over the group's dimensions (so samples and densities are
// joint, "multivariate"). Numeric dimensions use Gaussians truncated to the domain, centred on
// the observation, with a bandwidth that is the larger gap to its sorted neighbours (the domain's
// ends count as neighbours only for a lone observation), clipped below at range / min(100,
// kernels + 1) ("magic clip") and above at the range; the prior kernel sits mid-domain with the
// whole range as bandwidth. Discrete numeric dimensions score the mass of their value's cell.
// Categorical kernels put prior_weight / kernels on every choice plus 1 on the observed one,
// normalised; the prior kernel is uniform. Mixture weights are the observations' weights and
// prior_weight, normalised.
#include <cstddef>
#include <functional>
#include <random>
#include <utility>
#include <vector>

namespace tune::tpe {

struct Dim {
  enum class Kind { Continuous, Discrete, Categorical };
  Kind kind = Kind::Continuous;
  double low = 0, high = 1;  // numeric support; Discrete: outer edges of the end cells
  size_t choices = 0;        // Categorical: values are choice indices 0..choices-1
  // Discrete only: the level nearest to a point of the support, and the cell [a, b] of a level.
  std::function<double(double)> snap;
  std::function<std::pair<double, double>(double)> cell;
};

class ParzenEstimator {
 public:
  // `points`: one row of dims.size() values per observation (row-major); `weights`: one per
  // observation, > 0.
  ParzenEstimator(std::vector<Dim> dims, const std::vector<double>& points,
                  const std::vector<double>& weights, double prior_weight);

  // A point drawn from the mixture (discrete values snapped to their level).
  std::vector<double> sample(std::mt19937_64& rng) const;
  // log density (mass for discrete and categorical dimensions) at `point`.
  double log_pdf(const std::vector<double>& point) const;

  size_t kernels() const { return log_weight_.size(); }
  // Per-kernel centre and bandwidth of numeric dimension `dim`; the prior kernel is last.
  const std::vector<double>& mus(size_t dim) const { return mu_[dim]; }
  const std::vector<double>& sigmas(size_t dim) const { return sigma_[dim]; }

 private:
  void add_numeric(size_t dim, const std::vector<double>& points, size_t n);
  void add_categorical(size_t dim, const std::vector<double>& points, size_t n,
                       double prior_weight);

  std::vector<Dim> dims_;
  std::vector<double> log_weight_, cumulative_;  // mixture weights
  std::vector<double> base_;  // per kernel: log weight plus each dimension's constant terms
  std::vector<std::vector<double>> mu_, sigma_, inv_sigma_;  // numeric dimensions
  // Discrete dimensions: kernels sharing (mu, sigma) share their cell masses; kernel -> pair.
  std::vector<std::vector<size_t>> pair_of_;
  std::vector<std::vector<std::pair<double, double>>> pairs_;
  // Categorical dimensions: the observed choice per kernel (the prior's unused), the log
  // probabilities of the observed choice and of any other one, and the prior's.
  std::vector<std::vector<size_t>> observed_;
  std::vector<double> log_hit_, log_miss_, log_uniform_;
};

// Optuna's default weights for n observations in trial order: 1 for the newest 25, a linear
// ramp from 1/n up to 1 for the older ones.
std::vector<double> default_weights(size_t n);

}  // namespace tune::tpe
