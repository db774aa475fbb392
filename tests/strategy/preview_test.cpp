// preview_configs, the engine of `tune sample`.
#include <gtest/gtest.h>

#include <set>

#include "space/space.h"
#include "strategy/grid.h"
#include "strategy/preview.h"
#include "strategy/random.h"

namespace tune {
namespace {

TEST(Preview, GridStopsWhenExhaustedRandomIsReproducible) {
  Space space =
      Space::from_json(Json::parse(R"({"opt": {"type": "categorical", "choices": ["adam", "sgd"]},
                      "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": true,
                             "grid_points": 3}})"),
                       "space");
  GridStrategy grid;
  std::vector<Config> g = preview_configs(grid, space, 10, 0);
  EXPECT_EQ(g, space.grid());
  RandomStrategy a, b;
  std::vector<Config> first = preview_configs(a, space, 8, 5),
                      second = preview_configs(b, space, 8, 5);
  EXPECT_EQ(first.size(), 8u);
  EXPECT_EQ(first, second);
  std::set<std::string> distinct;
  for (const Config& c : first) distinct.insert(c.dump());
  EXPECT_EQ(distinct.size(), 8u);
  RandomStrategy c;
  EXPECT_NE(preview_configs(c, space, 8, 6), first);
}

}  // namespace
}  // namespace tune
