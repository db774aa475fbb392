// TPE: its Parzen estimators against their definitions on hand-computed cases, the split and
// the groups, and the strategy's proposals (valid, never repeated, better than random).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "../support/proposals.h"
#include "common/error.h"
#include "space/space.h"
#include "strategy/random.h"
#include "strategy/strategy.h"
#include "strategy/tpe/gauss.h"
#include "strategy/tpe/history.h"
#include "strategy/tpe/parzen.h"
#include "strategy/tpe/tpe_strategy.h"

namespace tune::tpe {
namespace {

double cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// A Gaussian's density at x truncated to [low, high].
double truncated_pdf(double x, double mu, double s, double low, double high) {
  const double z = (x - mu) / s;
  return std::exp(-0.5 * z * z) / (s * std::sqrt(2 * M_PI)) /
         (cdf((high - mu) / s) - cdf((low - mu) / s));
}

Dim continuous() {
  return Dim{};
}

TEST(TpeGauss, TailMassesStayAccurate) {
  EXPECT_NEAR(log_normal_mass(-1, 1), std::log(std::erf(1 / std::sqrt(2.0))), 1e-12);
  EXPECT_NEAR(log_normal_mass(1, 2), std::log(cdf(2) - cdf(1)), 1e-12);
  // Far in a tail the difference of CDFs is 0 in doubles; the log mass is finite and right.
  const double far = log_normal_mass(40, 41);
  const double expected =
      -800 - std::log(40.0) - 0.5 * std::log(2 * M_PI) + std::log1p(-1.0 / 1600);
  EXPECT_NEAR(far, expected, 1e-4);
  EXPECT_DOUBLE_EQ(log_normal_mass(-41, -40), far);
  EXPECT_TRUE(std::isinf(log_normal_mass(1, 1)));
}

TEST(TpeParzen, NumericBandwidthsAndDensity) {
  // Sorted 0.5, 0.52, 0.9 on [0, 1]: the ends take the gap to their one neighbour (0.02 and
  // 0.38), the middle the larger gap (0.38); the magic clip raises 0.02 to 1 / min(100, 3 + 2).
  ParzenEstimator pe({continuous()}, {0.5, 0.52, 0.9}, {1, 1, 1}, 1.0);
  ASSERT_EQ(pe.kernels(), 4u);
  const std::vector<double> sigmas = pe.sigmas(0), mus = pe.mus(0);
  EXPECT_DOUBLE_EQ(sigmas[0], 0.2);
  EXPECT_NEAR(sigmas[1], 0.38, 1e-12);
  EXPECT_NEAR(sigmas[2], 0.38, 1e-12);
  EXPECT_DOUBLE_EQ(mus[3], 0.5);  // the prior: mid-domain, the whole range
  EXPECT_DOUBLE_EQ(sigmas[3], 1.0);
  for (double x : {0.0, 0.3, 0.51, 0.95}) {
    double expected = 0;
    for (size_t k = 0; k < 4; ++k) expected += 0.25 * truncated_pdf(x, mus[k], sigmas[k], 0, 1);
    EXPECT_NEAR(std::exp(pe.log_pdf({x})), expected, 1e-12) << x;
  }
  // A lone observation: the domain's ends are its neighbours.
  ParzenEstimator one({continuous()}, {0.3}, {1}, 1.0);
  EXPECT_NEAR(one.sigmas(0)[0], 0.7, 1e-12);
  // The prior weight counts like an observation's weight.
  ParzenEstimator heavy({continuous()}, {0.3}, {1}, 3.0);
  const double x = 0.8;
  EXPECT_NEAR(std::exp(heavy.log_pdf({x})),
              0.25 * truncated_pdf(x, 0.3, 0.7, 0, 1) + 0.75 * truncated_pdf(x, 0.5, 1, 0, 1),
              1e-12);
}

TEST(TpeParzen, BandwidthsOfALargeSetWithRepeats) {
  // 700 values on 40 levels (so most repeat), 0 included: the ends take their one gap,
  // every other value the larger of its two gaps, equal values ordered by index; clipped to
  // [1 / 100, 1].
  std::mt19937_64 rng(9);
  std::vector<double> x;
  for (int i = 0; i < 700; ++i) x.push_back(static_cast<double>(rng() % 40) / 39.0);
  x[5] = 0;
  ParzenEstimator pe({continuous()}, x, std::vector<double>(x.size(), 1.0), 1.0);
  std::vector<std::pair<double, size_t>> sorted;
  for (size_t i = 0; i < x.size(); ++i) sorted.emplace_back(x[i], i);
  std::sort(sorted.begin(), sorted.end());
  for (size_t r = 0; r < sorted.size(); ++r) {
    const double left = r == 0 ? INFINITY : sorted[r].first - sorted[r - 1].first;
    const double right = r + 1 == sorted.size() ? INFINITY : sorted[r + 1].first - sorted[r].first;
    const double gap = r == 0 ? right : r + 1 == sorted.size() ? left : std::max(left, right);
    EXPECT_DOUBLE_EQ(pe.sigmas(0)[sorted[r].second], std::clamp(gap, 0.01, 1.0)) << r;
  }
}

TEST(TpeParzen, DiscreteCellMasses) {
  // Levels 0..4 (step 1): support [-0.5, 4.5], each level the mass of [v - 0.5, v + 0.5].
  Dim d;
  d.kind = Dim::Kind::Discrete;
  d.low = -0.5;
  d.high = 4.5;
  d.snap = [](double x) { return std::clamp(std::round(x), 0.0, 4.0); };
  d.cell = [](double v) { return std::pair(v - 0.5, v + 0.5); };
  ParzenEstimator pe({d}, {1, 3}, {1, 1}, 1.0);
  // Two observations 2 apart: bandwidth 2 each (above the clip 5 / 4); prior mu 2, sigma 5.
  EXPECT_DOUBLE_EQ(pe.sigmas(0)[0], 2.0);
  EXPECT_DOUBLE_EQ(pe.sigmas(0)[1], 2.0);
  const double mu[3] = {1, 3, 2}, s[3] = {2, 2, 5};
  double total = 0;
  for (int v = 0; v <= 4; ++v) {
    double expected = 0;
    for (int k = 0; k < 3; ++k)
      expected += (cdf((v + 0.5 - mu[k]) / s[k]) - cdf((v - 0.5 - mu[k]) / s[k])) /
                  (cdf((4.5 - mu[k]) / s[k]) - cdf((-0.5 - mu[k]) / s[k])) / 3;
    EXPECT_NEAR(std::exp(pe.log_pdf({double(v)})), expected, 1e-12) << v;
    total += std::exp(pe.log_pdf({double(v)}));
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    const double v = pe.sample(rng)[0];
    EXPECT_EQ(v, std::round(v));
    EXPECT_GE(v, 0);
    EXPECT_LE(v, 4);
  }
}

TEST(TpeParzen, CategoricalKernels) {
  // Choices 0..2, observed 0, 0, 2, prior weight 1: 4 kernels; an observed kernel puts 1/4 on
  // every choice plus 1 on its own (normalised by 1.75); the prior is uniform.
  Dim d;
  d.kind = Dim::Kind::Categorical;
  d.choices = 3;
  ParzenEstimator pe({d}, {0, 0, 2}, {1, 1, 1}, 1.0);
  const double hit = 1.25 / 1.75, miss = 0.25 / 1.75, prior = 1.0 / 3;
  EXPECT_NEAR(std::exp(pe.log_pdf({0})), 0.25 * (2 * hit + miss + prior), 1e-12);
  EXPECT_NEAR(std::exp(pe.log_pdf({1})), 0.25 * (3 * miss + prior), 1e-12);
  EXPECT_NEAR(std::exp(pe.log_pdf({2})), 0.25 * (hit + 2 * miss + prior), 1e-12);
  // Draws follow those probabilities.
  std::mt19937_64 rng(3);
  int zeros = 0;
  for (int i = 0; i < 4000; ++i) zeros += pe.sample(rng)[0] == 0;
  EXPECT_NEAR(zeros / 4000.0, 0.25 * (2 * hit + miss + prior), 0.03);
}

// Reference values from Optuna 5.0.0's _ParzenEstimator (prior weight 1, magic clip, no
// endpoints, default weights), computed once on the same observations in its internal scales:
// a float on [-5, 10], an int on [1, 100] in log space, an int on [0, 20] with step 4, a
// categorical of 3. (Numeric observations are distinct: NumPy sorts equal ones in no fixed
// order, and which of two equal observations takes which bandwidth is arbitrary.)
TEST(TpeParzen, MatchesOptunasEstimator) {
  Dim log_int;
  log_int.kind = Dim::Kind::Discrete;
  log_int.low = std::log(0.5);
  log_int.high = std::log(100.5);
  log_int.snap = [](double x) { return std::log(std::clamp(std::round(std::exp(x)), 1.0, 100.0)); };
  log_int.cell = [](double x) {
    const double v = std::round(std::exp(x));
    return std::pair(std::log(v - 0.5), std::log(v + 0.5));
  };
  Dim stepped;
  stepped.kind = Dim::Kind::Discrete;
  stepped.low = -2;
  stepped.high = 22;
  stepped.snap = [](double x) { return std::clamp(4 * std::round(x / 4), 0.0, 20.0); };
  stepped.cell = [](double v) { return std::pair(v - 2, v + 2); };
  Dim number;
  number.low = -5;
  number.high = 10;
  Dim choice;
  choice.kind = Dim::Kind::Categorical;
  choice.choices = 3;
  const double x[6] = {-4.0, 0.5, 2.0, 2.2, 9.5, -1.0};
  const int n[6] = {1, 3, 5, 10, 40, 99}, k[6] = {0, 8, 4, 16, 20, 12}, c[6] = {0, 2, 2, 1, 0, 2};
  std::vector<double> points;
  for (int i = 0; i < 6; ++i)
    points.insert(points.end(), {x[i], std::log(double(n[i])), double(k[i]), double(c[i])});
  ParzenEstimator pe({number, log_int, stepped, choice}, points, default_weights(6), 1.0);
  EXPECT_NEAR(pe.log_pdf({-5.0, std::log(1.0), 0, 0}), -5.018992896779034, 1e-12);
  EXPECT_NEAR(pe.log_pdf({2.1, std::log(3.0), 4, 2}), -6.203471155697303, 1e-12);
  EXPECT_NEAR(pe.log_pdf({9.9, std::log(100.0), 20, 1}), -12.311917854248716, 1e-12);
  EXPECT_NEAR(pe.log_pdf({0.0, std::log(50.0), 12, 0}), -11.001812759744633, 1e-12);
  // 30 observations: the oldest five get Optuna's ramp of weights.
  const std::vector<double> many = {0.96703,  0.547232, 0.972684, 0.714816, 0.697729, 0.216089,
                                    0.976274, 0.00623,  0.252982, 0.434792, 0.779383, 0.197685,
                                    0.862993, 0.983401, 0.163842, 0.597334, 0.008986, 0.386571,
                                    0.04416,  0.956653, 0.436147, 0.948977, 0.786306, 0.866289,
                                    0.173165, 0.074949, 0.600743, 0.167972, 0.73338,  0.408444};
  ParzenEstimator ramp({continuous()}, many, default_weights(30), 1.0);
  EXPECT_NEAR(ramp.log_pdf({0.0}), 0.5965478896581494, 1e-12);
  EXPECT_NEAR(ramp.log_pdf({0.37}), -0.49308751027241793, 1e-12);
  EXPECT_NEAR(ramp.log_pdf({0.99}), 0.7067586433364943, 1e-12);
}

TEST(TpeParzen, KernelsAreJoint) {
  // Observations on the anti-diagonal: a product of marginals would rate (0.1, 0.1) as high as
  // (0.1, 0.9); the multivariate mixture does not.
  ParzenEstimator pe({continuous(), continuous()}, {0.1, 0.9, 0.15, 0.85, 0.9, 0.1, 0.85, 0.15},
                     {1, 1, 1, 1}, 1.0);
  EXPECT_GT(pe.log_pdf({0.1, 0.9}), pe.log_pdf({0.1, 0.1}) + 1);
}

TEST(TpeParzen, DefaultWeightsRampOldTrials) {
  EXPECT_EQ(default_weights(25), std::vector<double>(25, 1.0));
  const std::vector<double> w = default_weights(30);  // ramp of 5 from 1/30 to 1, then 25 ones
  ASSERT_EQ(w.size(), 30u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);
  EXPECT_NEAR(w[2], 1.0 / 30 + (1 - 1.0 / 30) * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_DOUBLE_EQ(w[29], 1.0);
}

Space parse(const char* text) {
  return Space::from_json(Json::parse(text), "space");
}

TrialSnapshot trial(int number, const Config& params, TrialState state,
                    std::optional<double> value = std::nullopt) {
  TrialSnapshot t;
  t.number = number;
  t.params = params;
  t.state = state;
  t.value = value;
  return t;
}

TEST(TpeSplit, GoodTrialsThenRunningPending) {
  const Space space = parse(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  std::vector<TrialSnapshot> h;
  const double values[6] = {5, 1, 4, 2, 3, 0.5};
  for (int i = 0; i < 6; ++i)
    h.push_back(trial(i, {{"x", i / 10.0}}, TrialState::Complete, values[i]));
  h.push_back(trial(6, {{"x", 0.6}}, TrialState::Running));
  h.push_back(trial(7, {{"x", 0.7}}, TrialState::Failed));
  TrialSnapshot early = trial(8, {{"x", 0.8}}, TrialState::Pruned, 0.1);
  early.metrics = Json::parse(R"([{"epoch": 1}])");
  TrialSnapshot late = trial(9, {{"x", 0.9}}, TrialState::Pruned, 0.9);
  late.summary = {{"pruned_at_epoch", 3}};  // as the study's view has it: no per-epoch rows
  h.push_back(early);
  h.push_back(late);
  const History read = read_history(space, h, Direction::Minimize);
  EXPECT_EQ(read.done, 8);
  auto numbers = [&](const std::vector<size_t>& idx) {
    std::vector<int> out;
    for (size_t i : idx) out.push_back(read.trials[i].number);
    return out;
  };
  auto [below, above] = split_trials(read, 2);
  EXPECT_EQ(numbers(below), (std::vector<int>{1, 5}));
  EXPECT_EQ(numbers(above), (std::vector<int>{0, 2, 3, 4, 6, 8, 9}));  // running 6 included
  // More good slots than complete trials: pruned ones fill them, the longest-running first.
  std::tie(below, above) = split_trials(read, 7);
  EXPECT_EQ(numbers(below), (std::vector<int>{0, 1, 2, 3, 4, 5, 9}));
  EXPECT_EQ(numbers(above), (std::vector<int>{6, 8}));
  // Maximising turns the order round.
  std::tie(below, above) = split_trials(read_history(space, h, Direction::Maximize), 2);
  EXPECT_EQ(numbers(below), (std::vector<int>{0, 2}));
}

TEST(TpeGroups, ParamsActiveTogether) {
  const Space space =
      parse(R"({"opt": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
      "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": true},
      "momentum": {"type": "float", "low": 0, "high": 0.9, "when": {"opt": "sgd"}},
      "beta": {"type": "float", "low": 0.8, "high": 0.99, "when": {"opt": "adam"}},
      "eps": {"type": "float", "low": 0, "high": 1, "when": {"opt": "adam"}},
      "unseen": {"type": "int", "low": 1, "high": 3, "when": {"opt": "rmsprop"}}})");
  std::vector<TrialSnapshot> h = {
      trial(0, {{"opt", "sgd"}, {"lr", 0.01}, {"momentum", 0.5}}, TrialState::Complete, 1),
      trial(1, {{"opt", "adam"}, {"lr", 0.01}, {"beta", 0.9}, {"eps", 0.2}}, TrialState::Complete,
            2),
      // A stored param of an inactive branch is not active.
      trial(2, {{"opt", "sgd"}, {"lr", 0.02}, {"momentum", 0.1}, {"beta", 0.9}}, TrialState::Pruned,
            3)};
  const History read = read_history(space, h, Direction::Minimize);
  const size_t beta = static_cast<size_t>(space.find("beta") - &space.params()[0]);
  EXPECT_EQ(read.row(2)[beta], kInactive);
  std::vector<std::vector<std::string>> groups;
  for (const auto& g : parameter_groups(read, std::vector<bool>(6, false))) {
    groups.emplace_back();
    for (size_t p : g) groups.back().push_back(space.params()[p].name);
    std::sort(groups.back().begin(), groups.back().end());
  }
  std::sort(groups.begin(), groups.end());
  EXPECT_EQ(groups, (std::vector<std::vector<std::string>>{
                        {"beta", "eps"}, {"lr", "opt"}, {"momentum"}, {"unseen"}}));
}

// Runs `strategy` for `budget` trials on f, each trial complete before the next is asked.
std::vector<Config> run(Strategy& strategy, const Space& space, uint64_t seed, int budget,
                        const std::function<double(const Config&)>& f,
                        std::vector<double>* values = nullptr) {
  std::vector<TrialSnapshot> history;
  std::vector<Config> out;
  for (int k = 0; k < budget; ++k) {
    const ProposalContext ctx{space, history, k, seed, Direction::Minimize};
    const std::optional<Config> c = strategy.propose(ctx);
    if (!c) break;
    out.push_back(*c);
    const double y = f(*c);
    if (values) values->push_back(y);
    history.push_back(trial(k, *c, TrialState::Complete, y));
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(TpeStrategy, BeatsRandomOnASmoothFunction) {
  // A 4-d bowl, its minimum off-centre, over 9 seeds of 80 evaluations.
  const Space space = parse(R"({"a": {"type": "float", "low": 0, "high": 1},
      "b": {"type": "float", "low": 0, "high": 1}, "c": {"type": "float", "low": 0, "high": 1},
      "d": {"type": "float", "low": 0, "high": 1}})");
  auto f = [](const Config& c) {
    double s = 0;
    for (const char* k : {"a", "b", "c", "d"}) s += std::pow(c[k].get<double>() - 0.27, 2);
    return s;
  };
  std::vector<double> tpe_best, random_best;
  for (uint64_t seed = 0; seed < 9; ++seed) {
    std::vector<double> a, b;
    TpeStrategy tpe;
    RandomStrategy random;
    run(tpe, space, seed, 80, f, &a);
    run(random, space, seed, 80, f, &b);
    tpe_best.push_back(*std::min_element(a.begin(), a.end()));
    random_best.push_back(*std::min_element(b.begin(), b.end()));
  }
  EXPECT_LT(median(tpe_best), 0.4 * median(random_best))
      << "tpe " << median(tpe_best) << " random " << median(random_best);
}

TEST(TpeStrategy, ProposalsAreValidInAMixedConditionalSpace) {
  const Space space = parse(R"({"lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": true},
      "dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.05},
      "layers": {"type": "int", "low": 1, "high": 4},
      "units": {"type": "pow2", "low": 16, "high": 256},
      "batch": {"type": "int", "low": 8, "high": 512, "log": true},
      "width": {"type": "int", "low": 10, "high": 100, "step": 10},
      "opt": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
      "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"opt": "sgd"}},
      "units_3": {"type": "pow2", "low": 8, "high": 64, "when": {"layers": {">=": 3}}},
      "fixed": {"type": "int", "low": 3, "high": 3}})");
  auto f = [](const Config& c) {
    double y = std::abs(std::log10(c["lr"].get<double>()) + 3) + c["dropout"].get<double>();
    y += c["opt"] == "sgd" ? 1 - c["momentum"].get<double>() : 0.5;
    if (c.contains("units_3")) y += c["units_3"].get<double>() / 64;
    return y + c["batch"].get<double>() / 512;
  };
  TpeStrategy tpe(TpeOptions{});
  const std::vector<Config> configs = run(tpe, space, 11, 60, f);
  ASSERT_EQ(configs.size(), 60u);
  for (const Config& c : configs) testing::expect_valid_proposal(space, c);
  // The model learns: its later configs are better than the random start's.
  std::vector<double> first, last;
  for (size_t i = 0; i < 10; ++i) first.push_back(f(configs[i]));
  for (size_t i = 30; i < 60; ++i) last.push_back(f(configs[i]));
  EXPECT_LT(median(last), 0.6 * median(first));
}

TEST(TpeStrategy, FiniteSpaceNeverRepeatsAndEnds) {
  const Space space = parse(R"({"a": {"type": "int", "low": 1, "high": 3},
      "b": {"type": "int", "low": 1, "high": 4, "log": true},
      "c": {"type": "categorical", "choices": ["x", "y"]}})");
  auto f = [](const Config& c) {
    return std::abs(c["a"].get<double>() - 2) + c["b"].get<double>() + (c["c"] == "x");
  };
  TpeStrategy tpe(TpeOptions::from_json(Json{{"startup_trials", 4}}, "s"));
  EXPECT_EQ(tpe.capacity(space), std::optional<size_t>(24));
  const std::vector<Config> configs = run(tpe, space, 5, 100, f);
  EXPECT_EQ(configs.size(), 24u);
  std::set<std::string> distinct;
  for (const Config& c : configs) distinct.insert(c.dump());
  EXPECT_EQ(distinct.size(), 24u);
}

TEST(TpeStrategy, RunningTrialsAreTaken) {
  // Three workers ask while the others run: a small space, every config distinct.
  const Space space = parse(R"({"a": {"type": "int", "low": 1, "high": 4},
      "c": {"type": "categorical", "choices": ["x", "y"]}})");
  std::vector<TrialSnapshot> h;
  for (int i = 0; i < 4; ++i)
    h.push_back(trial(i, {{"a", 1 + i}, {"c", "x"}}, TrialState::Complete, i));
  TpeStrategy tpe(TpeOptions::from_json(Json{{"startup_trials", 2}}, "s"));
  std::set<std::string> seen;
  for (int k = 4; k < 8; ++k) {
    const std::optional<Config> c = tpe.propose({space, h, k, 1, Direction::Minimize});
    ASSERT_TRUE(c);
    EXPECT_TRUE(seen.insert(c->dump()).second) << c->dump();
    h.push_back(trial(k, *c, TrialState::Running));
  }
  EXPECT_EQ(tpe.propose({space, h, 8, 1, Direction::Minimize}), std::nullopt);
}

TEST(TpeStrategy, RunningTrialsPushTheNextProposalAway) {
  // The same ask (same seed and number, so the same candidates from l) with and without workers
  // already running at the point it would choose: those count in g, and another candidate wins.
  const Space space = parse(R"({"x": {"type": "float", "low": 0, "high": 1}})");
  std::vector<TrialSnapshot> h;
  for (int i = 0; i < 20; ++i) {
    const double x = (i * 7 % 20) / 19.0;
    h.push_back(trial(i, {{"x", x}}, TrialState::Complete, std::pow(x - 0.3, 2)));
  }
  TpeStrategy tpe;
  const double alone = tpe.propose({space, h, 20, 4, Direction::Minimize})->at("x").get<double>();
  for (int i = 0; i < 4; ++i) h.push_back(trial(20 + i, {{"x", alone}}, TrialState::Running));
  const double beside = tpe.propose({space, h, 20, 4, Direction::Minimize})->at("x").get<double>();
  EXPECT_GT(std::abs(beside - alone), 0.01) << alone << " " << beside;
}

TEST(TpeStrategy, DependsOnlyOnSeedHistoryAndNumber) {
  const Space space = parse(R"({"x": {"type": "float", "low": -2, "high": 2},
      "k": {"type": "int", "low": 0, "high": 50}})");
  auto f = [](const Config& c) { return std::pow(c["x"].get<double>(), 2) + c["k"].get<double>(); };
  TpeStrategy one, two;
  std::vector<Config> a = run(one, space, 3, 30, f), b = run(two, space, 3, 30, f);
  EXPECT_EQ(a, b);
  TpeStrategy other;
  EXPECT_NE(run(other, space, 4, 30, f), a);
}

TEST(TpeStrategy, OptionsAreChecked) {
  auto message = [](const Json& options) {
    try {
      make_strategy("tpe", options, "cfg.json: strategy");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(Json{{"name", "tpe"},
                         {"startup_trials", 5},
                         {"candidates", 48},
                         {"gamma", 0.2},
                         {"gamma_cap", 10},
                         {"prior_weight", 2},
                         {"multivariate", false},
                         {"seed", 3}}),
            "no error");
  const std::string unknown = message(Json{{"gama", 0.2}});
  EXPECT_NE(unknown.find("cfg.json: strategy.gama"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("startup_trials"), std::string::npos) << unknown;
  EXPECT_NE(message(Json{{"gamma", 0}}).find("strategy.gamma"), std::string::npos);
  EXPECT_NE(message(Json{{"gamma", 1.5}}).find("strategy.gamma"), std::string::npos);
  EXPECT_NE(message(Json{{"candidates", 0}}).find("strategy.candidates"), std::string::npos);
  EXPECT_NE(message(Json{{"startup_trials", -1}}).find("strategy.startup_trials"),
            std::string::npos);
  EXPECT_NE(message(Json{{"prior_weight", 0}}).find("strategy.prior_weight"), std::string::npos);
  EXPECT_NE(message(Json{{"multivariate", "yes"}}).find("strategy.multivariate"),
            std::string::npos);
  EXPECT_NE(message(Json{{"seed", -2}}).find("strategy.seed"), std::string::npos);
}

}  // namespace
}  // namespace tune::tpe
