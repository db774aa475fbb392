#pragma once
// Checks on a strategy's proposals that the strategy tests share.
#include <gtest/gtest.h>

#include "space/space.h"

namespace tune::testing {

// `config` is valid in `space`: every value in its domain, in its canonical type, and exactly
// the parameters active in it present.
inline void expect_valid_proposal(const Space& space, const Config& config) {
  EXPECT_NO_THROW(space.validate(config, "proposal")) << config.dump();
  EXPECT_EQ(config, space.normalize(config)) << config.dump();
  for (const Param& p : space.params())
    EXPECT_EQ(config.contains(p.name), space.is_active(p, config))
        << p.name << " in " << config.dump();
}

}  // namespace tune::testing
