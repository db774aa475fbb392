#pragma once
// The table printed when a study ends: the best complete trials, best first.
#include <string>
#include <vector>

#include "common/trial.h"

namespace tune {

std::string format_leaderboard(const std::vector<TrialSnapshot>& trials, Direction direction,
                               size_t top = 5);

}  // namespace tune
