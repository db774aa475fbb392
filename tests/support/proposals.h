#pragma once
// Checks on a strategy's proposals that the strategy tests share.
#include <gtest/gtest.h>

#include "common/experiment.h"
#include "common/pbt_segment.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace tune::testing {

// A registered strategy as the suites that run every one of them use it: bayes on one thread,
// each prepared for `space` in an experiment whose members train 8 epochs (pbt needs them).
inline std::unique_ptr<Strategy> registered_strategy(const std::string& name, const Space& space) {
  Json options = Json::object();
  if (name == "bayes") options["threads"] = 1;
  auto strategy = make_strategy(name, options, "strategy");
  Experiment e;
  e.params = {{"epochs", 8}};
  strategy->prepare(space, e);
  return strategy;
}

// Why the suites' checks of configs that never repeat and spaces that run out skip pbt.
inline constexpr const char* kPbtRepeats =
    "pbt trains each member's config in stretches, one trial each: configs repeat by design and "
    "it ends when every member is trained (pbt_test.cpp)";

// `config` is valid in `space`: every value in its domain, in its canonical type, and exactly
// the parameters active in it present.
// A pbt trial's params hold its stretch of training beside the config (strategy/pbt.h): the
// config alone is checked.
inline void expect_valid_proposal(const Space& space, const Config& proposal) {
  const Config config = without_pbt(proposal);
  EXPECT_NO_THROW(space.validate(config, "proposal")) << config.dump();
  EXPECT_EQ(config, space.normalize(config)) << config.dump();
  for (const Param& p : space.params())
    EXPECT_EQ(config.contains(p.name), space.is_active(p, config))
        << p.name << " in " << config.dump();
}

}  // namespace tune::testing
