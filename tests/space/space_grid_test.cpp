// Grids: the full product, conditional sub-grids, and counts without building.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "space/space.h"

namespace tune {
namespace {

Space parse(const char* text) {
  return Space::from_json(Json::parse(text), "cfg.json: space");
}

std::set<std::string> dumps(const std::vector<Config>& configs) {
  std::set<std::string> out;
  for (const Config& c : configs) out.insert(c.dump());
  return out;
}

TEST(SpaceGrid, FullProduct) {
  Space s = parse(R"({"opt": {"type": "categorical", "choices": ["adam", "sgd"]},
                      "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
                      "n": {"type": "int", "low": 1, "high": 4}})");
  std::vector<Config> grid = s.grid();
  EXPECT_EQ(grid.size(), 24u);
  EXPECT_EQ(s.grid_size(), 24u);
  EXPECT_EQ(dumps(grid).size(), 24u);  // each config once
  for (const char* opt : {"adam", "sgd"})
    for (const char* act : {"relu", "tanh", "gelu"})
      for (int n = 1; n <= 4; ++n)
        EXPECT_TRUE(dumps(grid).count(Json({{"opt", opt}, {"act", act}, {"n", n}}).dump()));
}

TEST(SpaceGrid, ConditionalSubGrid) {
  Space s = parse(R"({"layers": {"type": "int", "low": 1, "high": 3},
                      "units_2": {"type": "int", "low": 16, "high": 64, "step": 16,
                                  "when": {"layers": {">=": 3}}}})");
  std::vector<Config> grid = s.grid();
  std::set<std::string> expected = {
      R"({"layers":1})",
      R"({"layers":2})",
      R"({"layers":3,"units_2":16})",
      R"({"layers":3,"units_2":32})",
      R"({"layers":3,"units_2":48})",
      R"({"layers":3,"units_2":64})",
  };
  EXPECT_EQ(grid.size(), 6u);
  EXPECT_EQ(s.grid_size(), 6u);
  EXPECT_EQ(dumps(grid), expected);
}

TEST(SpaceGrid, NestedConditionsAndIndependentParams) {
  Space s = parse(R"({
    "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
    "momentum": {"type": "float", "values": [0.0, 0.9], "when": {"opt": "sgd"}},
    "nesterov": {"type": "categorical", "choices": [true, false], "when": {"momentum": 0.9}},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]}
  })");
  // adam: 1; sgd: momentum 0 (1) + momentum 0.9 (x2 nesterov) = 3; times 3 activations.
  EXPECT_EQ(s.grid_size(), 12u);
  std::vector<Config> grid = s.grid();
  EXPECT_EQ(grid.size(), 12u);
  EXPECT_EQ(dumps(grid).size(), 12u);
  for (const Config& c : grid) {
    EXPECT_EQ(c.contains("momentum"), c["opt"] == "sgd");
    EXPECT_EQ(c.contains("nesterov"), c.contains("momentum") && c["momentum"] == 0.9);
  }
}

TEST(SpaceGrid, FloatsNeedValuesOrPoints) {
  Space s = parse(R"({"lr": {"type": "float", "low": 0.001, "high": 0.1}})");
  try {
    s.grid_size();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.json: space.lr"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("grid_points"), std::string::npos);
  }
  EXPECT_THROW(s.grid(), ConfigError);
}

TEST(SpaceGrid, GridPointsLogSpacedAndValues) {
  Space s = parse(R"({"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": true,
                             "grid_points": 3},
                      "d": {"type": "float", "low": 0, "high": 1, "grid_points": 5},
                      "m": {"type": "float", "values": [0.5, 0.9, 0.99]},
                      "s": {"type": "float", "low": 0, "high": 0.3, "step": 0.1}})");
  EXPECT_EQ(s.find("lr")->grid(), (std::vector<Json>{1e-4, 1e-3, 1e-2}));
  EXPECT_EQ(s.find("d")->grid(), (std::vector<Json>{0.0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(s.find("m")->grid(), (std::vector<Json>{0.5, 0.9, 0.99}));
  EXPECT_EQ(s.find("s")->grid(), (std::vector<Json>{0.0, 0.1, 0.2, 0.3}));
  EXPECT_EQ(s.grid_size(), 3u * 5 * 3 * 4);
}

TEST(SpaceGrid, IntsEnumerateEveryValuePow2EveryPower) {
  Space s = parse(R"({"n": {"type": "int", "low": 1, "high": 100, "log": true},
                      "b": {"type": "pow2", "low": 16, "high": 512}})");
  EXPECT_EQ(s.find("n")->grid().size(), 100u);
  EXPECT_EQ(s.find("b")->grid(), (std::vector<Json>{16, 32, 64, 128, 256, 512}));
  EXPECT_EQ(s.grid_size(), 600u);
}

TEST(SpaceGrid, HugeGridCountedWithoutBuilding) {
  Space s = parse(R"({"a": {"type": "int", "low": 1, "high": 1000000000},
                      "b": {"type": "int", "low": 1, "high": 1000000000},
                      "c": {"type": "int", "low": 1, "high": 1000000000}})");
  EXPECT_EQ(s.grid_size(), SIZE_MAX);  // saturates
  size_t seen = 0;
  s.visit_grid([&](const Config& c) {
    EXPECT_EQ(c["c"], static_cast<int64_t>(seen + 1));
    return ++seen < 5;  // lazily, stopping early
  });
  EXPECT_EQ(seen, 5u);
}

TEST(SpaceGrid, EmptySpaceHasOneEmptyConfig) {
  Space s = parse("{}");
  EXPECT_EQ(s.grid_size(), 1u);
  ASSERT_EQ(s.grid().size(), 1u);
  EXPECT_EQ(s.grid()[0], Json::object());
}

TEST(SpaceGrid, FiniteSizeForRandomSampling) {
  EXPECT_EQ(parse(R"({"layers": {"type": "int", "low": 1, "high": 3},
                      "u": {"type": "pow2", "low": 2, "high": 8, "when": {"layers": 3}}})")
                .finite_size(),
            std::optional<size_t>(5));
  // A float with grid values is still continuous for random search.
  EXPECT_EQ(parse(R"({"m": {"type": "float", "values": [0.5, 0.9]}})").finite_size(), std::nullopt);
}

}  // namespace
}  // namespace tune
