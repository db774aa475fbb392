// Random sampling honours each domain and its distribution; conditions remove inactive
// parameters; a seed gives the same configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "space/space.h"

namespace tune {
namespace {

Space parse(const char* text) {
  return Space::from_json(Json::parse(text), "space");
}

// Kolmogorov-Smirnov statistic of `u` against the uniform distribution on [0, 1].
double ks_uniform(std::vector<double> u) {
  std::sort(u.begin(), u.end());
  const double n = static_cast<double>(u.size());
  double d = 0;
  for (size_t i = 0; i < u.size(); ++i) d = std::max({d, (i + 1) / n - u[i], u[i] - i / n});
  return d;
}

TEST(SpaceSample, LogUniformPassesKolmogorovSmirnovOnLogValues) {
  Space s = parse(R"({"lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true}})");
  std::mt19937_64 rng(7);
  const int n = 4000;
  std::vector<double> log_pos, linear_pos;
  for (int i = 0; i < n; ++i) {
    double x = s.sample(rng)["lr"].get<double>();
    ASSERT_GE(x, 1e-5);
    ASSERT_LE(x, 1e-1);
    log_pos.push_back((std::log(x) - std::log(1e-5)) / (std::log(1e-1) - std::log(1e-5)));
    linear_pos.push_back((x - 1e-5) / (1e-1 - 1e-5));
  }
  const double critical = 1.63 / std::sqrt(n);  // alpha = 0.01
  EXPECT_LT(ks_uniform(log_pos), critical);
  // The same samples are far from uniform on the linear scale: the test can tell.
  EXPECT_GT(ks_uniform(linear_pos), 10 * critical);
}

TEST(SpaceSample, UniformFloatPassesKolmogorovSmirnov) {
  Space s = parse(R"({"x": {"type": "float", "low": -2, "high": 3}})");
  std::mt19937_64 rng(11);
  std::vector<double> pos;
  for (int i = 0; i < 4000; ++i) pos.push_back((s.sample(rng)["x"].get<double>() + 2) / 5);
  EXPECT_LT(ks_uniform(pos), 1.63 / std::sqrt(4000.0));
}

TEST(SpaceSample, IntsAreInclusiveAndUniform) {
  Space s = parse(R"({"n": {"type": "int", "low": 1, "high": 5}})");
  std::mt19937_64 rng(3);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 5000; ++i) {
    Json v = s.sample(rng)["n"];
    ASSERT_TRUE(v.is_number_integer());
    counts[v.get<int64_t>()]++;
  }
  ASSERT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts.begin()->first, 1);
  EXPECT_EQ(counts.rbegin()->first, 5);
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 1000, 150) << value;
}

TEST(SpaceSample, LogIntsFavourSmallValuesAndStayInRange) {
  Space s = parse(R"({"n": {"type": "int", "low": 1, "high": 1000, "log": true}})");
  std::mt19937_64 rng(5);
  int below_32 = 0;
  for (int i = 0; i < 2000; ++i) {
    int64_t v = s.sample(rng)["n"].get<int64_t>();
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 1000);
    below_32 += v < 32;
  }
  EXPECT_NEAR(below_32 / 2000.0, std::log(31.5 / 0.5) / std::log(1000.5 / 0.5), 0.04);
}

TEST(SpaceSample, Pow2GivesOnlyPowersOfTwoInRange) {
  Space s = parse(R"({"batch": {"type": "pow2", "low": 16, "high": 512}})");
  std::mt19937_64 rng(1);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 3000; ++i) counts[s.sample(rng)["batch"].get<int64_t>()]++;
  std::set<int64_t> expected = {16, 32, 64, 128, 256, 512};
  ASSERT_EQ(counts.size(), expected.size());
  for (const auto& [value, count] : counts) {
    EXPECT_TRUE(expected.count(value)) << value;
    EXPECT_NEAR(count, 500, 100) << value;  // uniform over exponents
  }
}

TEST(SpaceSample, StepsAreRespected) {
  Space s = parse(R"({"units": {"type": "int", "low": 32, "high": 512, "step": 32},
                      "drop": {"type": "float", "low": 0, "high": 0.5, "step": 0.1}})");
  std::mt19937_64 rng(9);
  std::set<int64_t> units;
  std::set<double> drops;
  for (int i = 0; i < 2000; ++i) {
    Config c = s.sample(rng);
    units.insert(c["units"].get<int64_t>());
    drops.insert(c["drop"].get<double>());
  }
  EXPECT_EQ(units.size(), 16u);
  for (int64_t u : units) EXPECT_EQ(u % 32, 0);
  EXPECT_EQ(drops, (std::set<double>{0, 0.1, 0.2, 0.3, 0.4, 0.5}));
}

TEST(SpaceSample, CategoricalsAnyJsonUniform) {
  Space s = parse(R"({"c": {"type": "categorical", "choices": ["a", 2, null, [1, 2]]}})");
  std::mt19937_64 rng(4);
  std::map<std::string, int> counts;
  for (int i = 0; i < 4000; ++i) counts[s.sample(rng)["c"].dump()]++;
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 1000, 150) << value;
}

TEST(SpaceSample, InactiveConditionalParametersAreAbsent) {
  Space s = parse(R"({
    "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]},
    "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": "sgd"}},
    "nesterov": {"type": "categorical", "choices": [true, false], "when": {"momentum": {">": 0.5}}},
    "layers": {"type": "int", "low": 1, "high": 3},
    "units_2": {"type": "int", "low": 16, "high": 256, "when": {"layers": {">=": 3}}}
  })");
  std::mt19937_64 rng(2);
  int with_momentum = 0, with_units_2 = 0, with_nesterov = 0;
  for (int i = 0; i < 1000; ++i) {
    Config c = s.sample(rng);
    EXPECT_EQ(c.contains("momentum"), c["optimizer"] == "sgd") << c;
    EXPECT_EQ(c.contains("units_2"), c["layers"].get<int>() >= 3) << c;
    EXPECT_EQ(c.contains("nesterov"), c.contains("momentum") && c["momentum"].get<double>() > 0.5)
        << c;
    with_momentum += c.contains("momentum");
    with_units_2 += c.contains("units_2");
    with_nesterov += c.contains("nesterov");
  }
  EXPECT_GT(with_momentum, 400);
  EXPECT_GT(with_units_2, 250);
  EXPECT_GT(with_nesterov, 150);
}

TEST(SpaceSample, SameSeedSameConfigs) {
  Space s = parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
                      "opt": {"type": "categorical", "choices": ["adam", "sgd"]}})");
  std::mt19937_64 a(42), b(42), c(43);
  std::vector<Config> first, second, third;
  for (int i = 0; i < 20; ++i) {
    first.push_back(s.sample(a));
    second.push_back(s.sample(b));
    third.push_back(s.sample(c));
  }
  EXPECT_EQ(first, second);
  EXPECT_NE(first, third);
}

}  // namespace
}  // namespace tune
