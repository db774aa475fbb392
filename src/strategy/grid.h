#pragma once
// Grid search: every config of the space's grid once, in a fixed order (optionally a seeded
// shuffle), each proposal the first point no trial of the history holds. Any number of workers
// can share it: the history (running trials included) says which points are taken.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strategy/strategy.h"

namespace tune {

struct GridOptions {
  bool shuffle = false;          // visit the grid in a seeded random order
  std::optional<uint64_t> seed;  // the shuffle's seed (default: the study's seed)

  // {"name": "grid", "shuffle": true, "seed": 3}; ConfigError for unknown keys or bad values.
  static GridOptions from_json(const Json& options, const std::string& where);
};

class GridStrategy : public Strategy {
 public:
  explicit GridStrategy(GridOptions options = {}) : options_(options) {}
  static std::unique_ptr<Strategy> create(const Json& options, const std::string& where);

  std::optional<Config> propose(const ProposalContext& ctx) override;
  std::optional<size_t> capacity(const Space& space) const override;

 private:
  const std::vector<Config>& shuffled(const Space& space, uint64_t seed);

  GridOptions options_;
  // The shuffled grid, kept between proposals (a pure function of space and seed).
  const Space* cached_space_ = nullptr;
  uint64_t cached_seed_ = 0;
  std::vector<Config> cached_order_;
};

}  // namespace tune
