#pragma once
// What a strategy would propose, without running anything: `tune sample` prints it to let a
// user check a space.
#include <vector>

#include "common/trial.h"
#include "space/space.h"
#include "strategy/strategy.h"

namespace tune {

// Up to `n` configs, proposed as trials 0..n-1 of a study with `seed`, each proposal joining the
// history as a running trial (so a grid moves on and random avoids repeats). Fewer when the
// strategy runs out.
std::vector<Config> preview_configs(Strategy& strategy, const Space& space, int n, uint64_t seed,
                                    Direction direction = Direction::Minimize);

}  // namespace tune
