#include "strategy/bayes/bayes_strategy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <thread>

#include "common/error.h"
#include "common/hparams.h"
#include "space/rng.h"
#include "space/space.h"
#include "strategy/bayes/gp_fit.h"
#include "strategy/bayes/observations.h"
#include "strategy/bayes/output_warp.h"
#include "strategy/bayes/sobol.h"
#include "strategy/options.h"

namespace tune::bayes {

BayesOptions BayesOptions::from_json(const Json& options, const std::string& where) {
  BayesOptions o;
  if (options.is_null()) return o;
  if (!options.is_object()) throw ConfigError(where, "expected an object of strategy options");
  check_strategy_options(
      options, {"initial", "candidates", "seed", "local_starts", "warp", "threads", "explore"},
      where);
  const Hyperparameters hp(options, where);
  if (hp.has("initial")) o.initial = static_cast<int>(hp.integer("initial", 0, 1, 100000));
  o.candidates = static_cast<int>(hp.integer("candidates", o.candidates, 16, 1000000));
  o.seed = seed_option(options, "seed", where);
  o.local_starts = static_cast<int>(hp.integer("local_starts", o.local_starts, 0, 1000));
  o.warp = hp.boolean("warp", o.warp);
  o.threads = static_cast<int>(hp.integer("threads", o.threads, 0, 256));
  o.explore = hp.real("explore", o.explore, 0, 0.9);
  return o;
}

int initial_design_size(const Space& space) {
  const int params = static_cast<int>(space.params().size());
  return std::clamp((params + 1) / 2, 5, 10);
}

BayesStrategy::BayesStrategy(BayesOptions options) : options_(std::move(options)) {}

std::optional<size_t> BayesStrategy::capacity(const Space& space) const {
  return space.finite_size();
}

namespace {

// How many candidates to score: the requested number while the model is small, then fewer so
// that scoring (n^2 per candidate for the variance) stays within a fixed budget per ask.
size_t candidate_budget(size_t requested, size_t n) {
  const double budget = 1.2e8;  // ~multiply-adds
  const size_t cap = static_cast<size_t>(budget / std::max<double>(1.0, double(n) * double(n)));
  return std::max<size_t>(std::min<size_t>(requested, 256), std::min(requested, cap));
}

// Refitting the hyperparameters every ask costs O(n^3) per likelihood evaluation; once the
// study is large, one more point barely moves them. Refit while small, then every ~n/16.
bool refit_due(size_t n, size_t last_fit) {
  if (n <= 60 || last_fit == 0 || n < last_fit) return true;
  return n - last_fit >= std::max<size_t>(1, n / 16);
}

std::vector<std::vector<double>> best_points(const Observations& obs, size_t k) {
  std::vector<size_t> idx(obs.y.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(k), idx.end(),
                    [&](size_t a, size_t b) { return obs.y[a] < obs.y[b]; });
  std::vector<std::vector<double>> out;
  for (size_t i = 0; i < k; ++i)
    out.emplace_back(obs.x.row(idx[i]), obs.x.row(idx[i]) + obs.x.cols);
  return out;
}

unsigned thread_count(int option) {
  if (option > 0) return static_cast<unsigned>(option);
  return std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
}

}  // namespace

GpHyper BayesStrategy::hyperparameters(const Matrix& x, const std::vector<double>& y,
                                       uint64_t seed) {
  std::optional<GpHyper> warm;
  size_t last_size = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    warm = last_hyper_;
    last_size = last_fit_size_;
  }
  if (warm && warm->log_lengthscale.size() != x.cols) warm.reset();
  last_fit_seconds_ = 0;
  if (warm && !refit_due(x.rows, last_size)) return *warm;
  const auto start = std::chrono::steady_clock::now();
  GpFitOptions fo;
  fo.seed = seed;
  fo.threads = thread_count(options_.threads);
  if (warm) {  // a warm start does most of the work: fewer fresh starts
    fo.optimized_starts = 1;
    fo.random_starts = 12;
  }
  GpHyper h = fit_hyper(x, y, fo, warm ? &*warm : nullptr);
  last_fit_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard<std::mutex> lock(mutex_);
  last_hyper_ = h;
  last_fit_size_ = x.rows;
  return h;
}

std::optional<Config> BayesStrategy::initial_point(const ProposalContext& ctx, const PointSet& seen,
                                                   uint64_t seed) const {
  const Space& space = ctx.space;
  const Sobol sobol(space.encoded_dims(), seed);
  // Trial k takes the k-th point of the seed's sequence: any process proposing trial k agrees.
  const uint64_t first = static_cast<uint64_t>(std::max(0, ctx.trial_number));
  for (uint64_t i = first; i < first + 1000; ++i) {
    Config c;
    const std::vector<double> e = snap(space, sobol.point(i), &c);
    if (!seen.count(e)) return c;
  }
  std::mt19937_64 rng = trial_stream(seed, ctx.trial_number);
  for (int i = 0; i < 1000; ++i) {
    Config c = space.sample(rng);
    if (!seen.count(space.encode(c))) return c;
  }
  return std::nullopt;  // a small finite space, all of it tried
}

std::optional<Config> BayesStrategy::propose(const ProposalContext& ctx) {
  const Space& space = ctx.space;
  const uint64_t seed = options_.seed.value_or(ctx.seed);
  Observations obs = collect_observations(space, ctx.history, ctx.direction, ctx.curves);
  const int n_init = options_.initial.value_or(initial_design_size(space));
  if (space.encoded_dims() == 0)
    return obs.seen.empty() ? std::optional<Config>(Config::object()) : std::nullopt;
  if (ctx.trial_number < n_init || obs.y.size() < 2) return initial_point(ctx, obs.seen, seed);

  const OutputWarp warp = options_.warp ? fit_output_warp(obs.y) : OutputWarp{};
  const std::vector<double> targets = options_.warp ? warp.apply(obs.y) : obs.y;
  const uint64_t trial_seed =
      splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(ctx.trial_number));
  const GpHyper hyper = hyperparameters(obs.x, targets, trial_seed);
  const GaussianProcess gp(obs.x, targets, hyper);
  // Pending trials as if they had returned the model's mean there (kriging believer); the
  // incumbent is the lowest posterior mean over observed and believed points, robust to noise,
  // and it makes EI vanish at and near a pending point as well as at observed ones.
  const GaussianProcess model = gp.with_fantasies(obs.pending);
  double best = 1e300;
  for (double m : model.fitted_means()) best = std::min(best, m);

  AcquisitionSearch search;
  search.candidates = candidate_budget(static_cast<size_t>(options_.candidates), model.size());
  search.local_starts = static_cast<size_t>(options_.local_starts);
  search.local_iters = model.size() > 300 ? 15 : 30;
  search.seed = trial_seed;
  search.threads = thread_count(options_.threads);
  search.explore = options_.explore;
  const std::optional<Proposal> p =
      maximize_log_ei(model, best, space, obs.seen, best_points(obs, 5), search);
  if (p) return p->config;
  // Every candidate was a seen config: fall back to any unseen one.
  std::mt19937_64 rng = trial_stream(seed, ctx.trial_number);
  for (int i = 0; i < 1000; ++i) {
    Config c = space.sample(rng);
    if (!obs.seen.count(space.encode(c))) return c;
  }
  return std::nullopt;
}

std::unique_ptr<Strategy> make_bayes_strategy(const Json& options, const std::string& where) {
  return std::make_unique<BayesStrategy>(BayesOptions::from_json(options, where));
}

}  // namespace tune::bayes
