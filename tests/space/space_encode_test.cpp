// The unit-cube encoding every model-based strategy uses, and config validation.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "space/space.h"

namespace tune {
namespace {

const char* kSpace = R"({
  "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": true},
  "units": {"type": "int", "low": 32, "high": 512, "step": 32},
  "batch_size": {"type": "pow2", "low": 32, "high": 512},
  "optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
  "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": "sgd"}},
  "layers": {"type": "int", "low": 1, "high": 3},
  "units_2": {"type": "int", "low": 4, "high": 400, "log": true, "when": {"layers": {">=": 3}}},
  "drop": {"type": "float", "low": 0, "high": 0.5, "step": 0.05}
})";

Space space() {
  return Space::from_json(Json::parse(kSpace), "space");
}

TEST(SpaceEncode, DimsAndOwners) {
  Space s = space();
  EXPECT_EQ(s.encoded_dims(), 10u);  // 7 numeric + 3 one-hot
  ASSERT_EQ(s.dim_owner().size(), 10u);
  size_t categorical_dims = 0;
  for (size_t owner : s.dim_owner())
    categorical_dims += s.params()[owner].kind == ParamKind::Categorical;
  EXPECT_EQ(categorical_dims, 3u);
  std::mt19937_64 rng(0);
  EXPECT_EQ(s.encode(s.sample(rng)).size(), 10u);
}

TEST(SpaceEncode, RoundTripOfRandomConfigs) {
  Space s = space();
  std::mt19937_64 rng(17);
  for (int i = 0; i < 300; ++i) {
    Config c = s.sample(rng);
    std::vector<double> x = s.encode(c);
    for (double v : x) {
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    Config back = s.decode(x);
    ASSERT_EQ(back.size(), c.size()) << c << " vs " << back;
    for (const auto& [name, value] : c.items()) {
      if (name == "lr" || name == "momentum")
        EXPECT_NEAR(back[name].get<double>(), value.get<double>(), 1e-12 * value.get<double>());
      else
        EXPECT_EQ(back[name], value) << name;
    }
  }
}

TEST(SpaceEncode, InactiveParametersEncodeNeutrally) {
  Space s = space();
  Config c = {{"lr", 1e-3},          {"units", 64}, {"batch_size", 64},
              {"optimizer", "adam"}, {"layers", 1}, {"drop", 0.1}};
  std::vector<double> x = s.encode(c);
  for (size_t d = 0; d < x.size(); ++d) {
    const std::string& name = s.params()[s.dim_owner()[d]].name;
    if (name == "momentum" || name == "units_2") {
      EXPECT_EQ(x[d], 0.5) << name;
    }
  }
  Config none = Json::object();
  std::vector<double> empty = s.encode(none);
  for (size_t d = 0; d < empty.size(); ++d)
    if (s.params()[s.dim_owner()[d]].kind == ParamKind::Categorical) {
      EXPECT_EQ(empty[d], 0.0);
    }
}

TEST(SpaceEncode, DecodeRoundsAndPicksArgmax) {
  Space s = space();
  std::vector<double> x(s.encoded_dims(), 0.5);
  for (size_t d = 0; d < x.size(); ++d) {
    const Param& p = s.params()[s.dim_owner()[d]];
    if (p.kind == ParamKind::Categorical) x[d] = 0.1;
  }
  // Raise "sgd" in the optimizer block.
  size_t first = 0;
  while (s.params()[s.dim_owner()[first]].name != "optimizer") ++first;
  x[first + 1] = 0.7;
  Config c = s.decode(x);
  EXPECT_EQ(c["optimizer"], "sgd");
  EXPECT_TRUE(c.contains("momentum"));
  EXPECT_EQ(c["layers"], 2);
  EXPECT_FALSE(c.contains("units_2"));
  EXPECT_EQ(c["units"].get<int64_t>() % 32, 0);
  EXPECT_EQ(c["batch_size"], 128);  // exponents 5..9, middle 7
  EXPECT_NEAR(c["lr"].get<double>(), 1e-3, 1e-15);
  EXPECT_THROW(s.decode({0.5}), std::invalid_argument);
}

TEST(SpaceEncode, FromUnitAndToUnit) {
  Space s = space();
  const Param& lr = *s.find("lr");
  EXPECT_DOUBLE_EQ(lr.from_unit(0).get<double>(), 1e-4);
  EXPECT_DOUBLE_EQ(lr.from_unit(1).get<double>(), 1e-2);
  EXPECT_NEAR(lr.from_unit(0.5).get<double>(), 1e-3, 1e-15);
  EXPECT_NEAR(lr.to_unit(1e-3), 0.5, 1e-12);
  EXPECT_EQ(lr.from_unit(-3), lr.from_unit(0));  // clamped
  const Param& units = *s.find("units");
  EXPECT_EQ(units.from_unit(0), 32);
  EXPECT_EQ(units.from_unit(1), 512);
  EXPECT_EQ(units.from_unit(0.51), 288);
  EXPECT_DOUBLE_EQ(units.to_unit(512), 1.0);
  const Param& opt = *s.find("optimizer");
  EXPECT_EQ(opt.from_unit(opt.to_unit("rmsprop")), "rmsprop");
  const Param& drop = *s.find("drop");
  EXPECT_EQ(drop.from_unit(0.3), 0.15);  // tidy step values
}

TEST(SpaceEncode, ValidateNamesTheParameter) {
  Space s = space();
  std::mt19937_64 rng(1);
  EXPECT_NO_THROW(s.validate(s.sample(rng), "cfg"));
  EXPECT_NO_THROW(s.validate(Json{{"other", "x"}, {"units", 64.0}}, "cfg"));
  auto expect_bad = [&](const Json& config, const std::string& name) {
    try {
      s.validate(config, "cfg");
      FAIL() << config;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("cfg." + name), std::string::npos) << e.what();
    }
  };
  expect_bad({{"units", 40}}, "units");
  expect_bad({{"units", 1024}}, "units");
  expect_bad({{"batch_size", 96}}, "batch_size");
  expect_bad({{"optimizer", "adagrad"}}, "optimizer");
  expect_bad({{"lr", "fast"}}, "lr");
  expect_bad({{"layers", 1.5}}, "layers");
  expect_bad({{"drop", 0.12}}, "drop");
}

TEST(SpaceEncode, NormalizeKeepsActiveSpaceParamsTyped) {
  Space s = space();
  Config stored = {{"optimizer", "adam"}, {"momentum", 0.9}, {"units", 64.0}, {"epochs", 3}};
  Config n = s.normalize(stored);
  EXPECT_EQ(n, (Json{{"optimizer", "adam"}, {"units", 64}}));
  EXPECT_TRUE(n["units"].is_number_integer());
}

}  // namespace
}  // namespace tune
