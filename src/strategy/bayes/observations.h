#pragma once
// What the surrogate learns from: the study's history turned into unit-cube points and
// minimisation targets. Completed trials are data, and so are pruned ones (at their last value
// plus what complete trials gained after that epoch, never better than the median complete
// one); failed trials are not, but like running ones their configs must not be proposed again.
#include <vector>

#include "common/trial.h"
#include "strategy/bayes/acq_optimizer.h"
#include "strategy/bayes/linalg.h"

namespace tune {
class Space;
class LearningCurves;
}

namespace tune::bayes {

struct Observations {
  Matrix x;               // usable points, one row each, in completion order
  std::vector<double> y;  // their values, negated when maximising (so lower is better)
  Matrix pending;         // running trials' points
  PointSet seen;          // every config in the history (any state), encoded
};

// `curves` (may be null): the trials' objective values by epoch, which put a pruned trial's
// last value on the scale of final values (see observations.cpp).
Observations collect_observations(const Space& space, const std::vector<TrialSnapshot>& history,
                                  Direction direction, const LearningCurves* curves = nullptr);

}  // namespace tune::bayes
