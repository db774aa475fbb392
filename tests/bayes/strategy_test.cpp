// The bayes strategy through the Strategy interface: valid, unseen configs in mixed spaces,
// distinct parallel proposals, options, and better than random on a fixed-seed function.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/error.h"
#include "space/space.h"
#include "strategy/bayes/bayes_strategy.h"
#include "strategy/strategy.h"

namespace tune {
namespace {

TrialSnapshot finished(int number, const Config& c, double value,
                       TrialState state = TrialState::Complete) {
  TrialSnapshot t;
  t.number = number;
  t.state = state;
  t.params = c;
  if (state != TrialState::Failed) t.value = value;
  t.end_time = number + 1;
  return t;
}

Space mixed_space() {
  return Space::from_json(Json::parse(R"({
    "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": true},
    "units": {"type": "int", "low": 8, "high": 64, "step": 8},
    "batch": {"type": "pow2", "low": 16, "high": 256},
    "opt": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
    "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"opt": "sgd"}},
    "layers": {"type": "int", "low": 1, "high": 4}
  })"),
                          "test");
}

// A made-up loss over the mixed space with its minimum at lr=1e-2, units=32, batch=64, adam.
double mixed_loss(const Config& c) {
  double v = std::pow(std::log10(c.at("lr").get<double>()) + 2, 2);
  v += std::pow((c.at("units").get<double>() - 32) / 16, 2);
  v += std::pow(std::log2(c.at("batch").get<double>()) - 6, 2) * 0.3;
  v += c.at("opt") == "adam" ? 0 : 0.7;
  if (c.contains("momentum")) v += std::abs(c.at("momentum").get<double>() - 0.9);
  v += 0.1 * c.at("layers").get<double>();
  return v;
}

Space unit_space(size_t d) {
  Json s = Json::object();
  for (size_t i = 0; i < d; ++i)
    s["x" + std::to_string(i)] = {{"type", "float"}, {"low", 0}, {"high", 1}};
  return Space::from_json(s, "test");
}

// A smooth 4-d function with its minimum off-centre, and two inputs that barely matter.
double quad4(const Config& c) {
  const double a = c.at("x0").get<double>() - 0.71, b = c.at("x1").get<double>() - 0.23;
  return 4 * a * a + 3 * b * b + 2 * a * b + 0.05 * c.at("x2").get<double>() +
         0.05 * std::sin(6 * c.at("x3").get<double>());
}

double run_study(const std::string& strategy, const Space& space, double (*f)(const Config&),
                 int budget, uint64_t seed) {
  auto s = make_strategy(strategy, Json::object(), "test.strategy");
  std::vector<TrialSnapshot> history;
  double best = 1e300;
  for (int i = 0; i < budget; ++i) {
    const auto c = s->propose({space, history, i, seed, Direction::Minimize});
    EXPECT_TRUE(c.has_value());
    if (!c) break;
    const double v = f(*c);
    best = std::min(best, v);
    history.push_back(finished(i, *c, v));
  }
  return best;
}

TEST(BayesStrategy, RegisteredAndRejectsUnknownOptions) {
  const auto names = strategy_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "bayes"), names.end());
  EXPECT_NO_THROW(make_strategy("bayes", Json::parse(R"({"name":"bayes","initial":4,
      "candidates":500,"seed":3})"),
                                "x.strategy"));
  EXPECT_THROW(make_strategy("bayes", Json::parse(R"({"name":"bayes","initail":4})"), "x"),
               ConfigError);
  EXPECT_THROW(make_strategy("bayes", Json::parse(R"({"candidates":-5})"), "x"), ConfigError);
  EXPECT_THROW(make_strategy("bayes", Json::parse(R"({"seed":"a"})"), "x"), ConfigError);
  EXPECT_NO_THROW(make_strategy("bayes", Json::parse(R"({"explore":0})"), "x"));
  EXPECT_THROW(make_strategy("bayes", Json::parse(R"({"explore":0.95})"), "x"), ConfigError);
}

TEST(BayesStrategy, InitialDesignDeterministicPerSeedAndTrial) {
  const Space space = unit_space(3);
  std::vector<TrialSnapshot> history;
  bayes::BayesStrategy a, b;
  for (int i = 0; i < 4; ++i) {
    const auto ca = a.propose({space, history, i, 7, Direction::Minimize});
    const auto cb = b.propose({space, history, i, 7, Direction::Minimize});
    ASSERT_TRUE(ca && cb);
    EXPECT_EQ(*ca, *cb);
    history.push_back(
        finished(i, *ca, quad4(Config{{"x0", 0.1}, {"x1", 0.1}, {"x2", 0.1}, {"x3", 0.1}})));
  }
  const auto other = bayes::BayesStrategy().propose({space, {}, 0, 8, Direction::Minimize});
  EXPECT_NE(*other, history[0].params);
}

TEST(BayesStrategy, MixedSpaceProposalsValidAndNeverRepeated) {
  const Space space = mixed_space();
  auto s = make_strategy("bayes", Json::object(), "test");
  std::vector<TrialSnapshot> history;
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    const auto c = s->propose({space, history, i, 1, Direction::Minimize});
    ASSERT_TRUE(c.has_value());
    EXPECT_NO_THROW(space.validate(*c, "proposal"));
    EXPECT_EQ(space.normalize(*c), *c) << c->dump();  // active parameters only, all present
    EXPECT_TRUE(seen.insert(space.normalize(*c).dump()).second) << "repeated " << c->dump();
    // Every third trial fails: excluded from the model, never proposed again.
    history.push_back(i % 3 == 2 ? finished(i, *c, 0, TrialState::Failed)
                                 : finished(i, *c, mixed_loss(*c)));
  }
}

TEST(BayesStrategy, SmallDiscreteSpaceExhaustsWithoutRepeats) {
  const Space space = Space::from_json(Json::parse(R"({
    "a": {"type": "int", "low": 0, "high": 2},
    "b": {"type": "categorical", "choices": ["x", "y", "z"]}})"),
                                       "test");
  auto s = make_strategy("bayes", Json::parse(R"({"initial": 3})"), "test");
  std::vector<TrialSnapshot> history;
  std::set<std::string> seen;
  for (int i = 0; i < 9; ++i) {
    const auto c = s->propose({space, history, i, 2, Direction::Maximize});
    ASSERT_TRUE(c.has_value()) << i;
    EXPECT_TRUE(seen.insert(c->dump()).second) << c->dump();
    history.push_back(finished(i, *c, c->at("a").get<double>() + (c->at("b") == "y")));
  }
  EXPECT_FALSE(s->propose({space, history, 9, 2, Direction::Maximize}).has_value());
}

TEST(BayesStrategy, NeverProposesObservedPendingFailedOrPrunedConfigs) {
  const Space space = Space::from_json(Json::parse(R"({
    "a": {"type": "int", "low": 0, "high": 3},
    "b": {"type": "categorical", "choices": ["x", "y"]}})"),
                                       "test");
  // 8 configs; 7 taken in every state a trial can be in. The only answer is the 8th.
  std::vector<TrialSnapshot> history;
  const std::vector<std::pair<int, std::string>> taken = {{0, "x"}, {1, "x"}, {2, "x"}, {3, "x"},
                                                          {0, "y"}, {1, "y"}, {2, "y"}};
  const TrialState states[7] = {TrialState::Complete, TrialState::Complete, TrialState::Pruned,
                                TrialState::Failed,   TrialState::Complete, TrialState::Running,
                                TrialState::Running};
  for (int i = 0; i < 7; ++i) {
    Config c{{"a", taken[i].first}, {"b", taken[i].second}, {"fixed_param", 1}};
    TrialSnapshot t = finished(i, c, taken[i].first * 0.5 + (taken[i].second == "y"), states[i]);
    if (states[i] == TrialState::Running) t.value.reset();
    history.push_back(t);
  }
  auto s = make_strategy("bayes", Json::parse(R"({"initial": 2})"), "test");
  const auto c = s->propose({space, history, 7, 5, Direction::Minimize});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(*c, (Config{{"a", 3}, {"b", "y"}}));
}

TEST(BayesStrategy, ParallelAsksWithPendingTrialsAreDistinct) {
  const Space space = unit_space(2);
  auto s = make_strategy("bayes", Json::object(), "test");
  std::vector<TrialSnapshot> history;
  for (int i = 0; i < 8; ++i) {
    const auto c = s->propose({space, history, i, 3, Direction::Minimize});
    const double x = c->at("x0").get<double>() - 0.3, y = c->at("x1").get<double>() - 0.6;
    history.push_back(finished(i, *c, x * x + y * y));
  }
  // Four workers ask one after the other while the earlier ones still run. Without the
  // pending trial in the history the same ask would repeat the pending point (deterministic
  // strategy): the fantasies are what move each worker elsewhere.
  std::vector<Config> asked;
  for (int k = 0; k < 4; ++k) {
    const auto c = s->propose({space, history, 8 + k, 3, Direction::Minimize});
    ASSERT_TRUE(c.has_value());
    if (k == 0) {
      EXPECT_EQ(*s->propose({space, history, 8, 3, Direction::Minimize}), *c);
    }
    for (const Config& prev : asked) {
      const double dx = prev.at("x0").get<double>() - c->at("x0").get<double>();
      const double dy = prev.at("x1").get<double>() - c->at("x1").get<double>();
      EXPECT_GT(std::hypot(dx, dy), 1e-4) << "a near copy of a pending point";
    }
    asked.push_back(*c);
    TrialSnapshot running;
    running.number = 8 + k;
    running.params = *c;
    history.push_back(running);
  }
}

TEST(BayesStrategy, BeatsRandomOnFixedSeedFunction) {
  const Space space = unit_space(4);
  double wins = 0, bayes_total = 0, random_total = 0;
  for (uint64_t seed = 0; seed < 3; ++seed) {
    const double b = run_study("bayes", space, quad4, 30, seed);
    const double r = run_study("random", space, quad4, 30, seed);
    wins += b < r;
    bayes_total += b;
    random_total += r;
  }
  EXPECT_EQ(wins, 3);
  EXPECT_LT(bayes_total, 0.25 * random_total);
}

// The configs a fresh strategy proposes on the mixed space over `budget` sequential trials.
std::vector<Config> proposals(uint64_t seed, int budget) {
  const Space space = mixed_space();
  auto s = make_strategy("bayes", Json::object(), "test");
  std::vector<TrialSnapshot> history;
  std::vector<Config> out;
  for (int i = 0; i < budget; ++i) {
    const auto c = s->propose({space, history, i, seed, Direction::Minimize});
    if (!c) break;
    out.push_back(*c);
    history.push_back(finished(i, *c, mixed_loss(*c)));
  }
  return out;
}

TEST(BayesStrategy, ModelPhaseDeterministicForASeed) {
  // 18 trials: the initial design (5 here) and 13 asks from the fitted model, with two threads
  // fitting hyperparameters side by side.
  const std::vector<Config> a = proposals(5, 18), b = proposals(5, 18), c = proposals(6, 18);
  ASSERT_EQ(a.size(), 18u);
  EXPECT_EQ(a, b);
  EXPECT_NE(std::vector<Config>(a.begin() + 10, a.end()),
            std::vector<Config>(c.begin() + 10, c.end()));
}

TEST(BayesStrategy, MaximiseFindsTheHighEnd) {
  const Space space = unit_space(1);
  auto s = make_strategy("bayes", Json::object(), "test");
  std::vector<TrialSnapshot> history;
  double best = -1e300;
  for (int i = 0; i < 15; ++i) {
    const auto c = s->propose({space, history, i, 4, Direction::Maximize});
    const double x = c->at("x0").get<double>();
    const double v = -std::pow(x - 0.8, 2);
    best = std::max(best, v);
    history.push_back(finished(i, *c, v));
  }
  EXPECT_GT(best, -1e-4);
}

}  // namespace
}  // namespace tune
