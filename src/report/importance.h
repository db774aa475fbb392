#pragma once
// Which searched parameters matter: one importance per parameter, from a study's finished
// trials. The method is PED-ANOVA (Watanabe, Bansal and Hutter, IJCAI 2023): for each parameter,
// the Pearson divergence between where the top trials put it and where all trials put it,
// each a one-dimensional Parzen estimate on the parameter's (unit, log-aware) scale. A
// parameter that the good trials concentrate in one region scores high; one spread alike in
// good and bad trials scores near zero.
#include <string>
#include <vector>

#include "common/trial.h"
#include "space/space.h"

namespace tune {

struct ParamImportance {
  std::string param;
  double importance = 0;  // >= 0; the values of one call sum to 1 (or are all 0)
};

struct ImportanceOptions {
  double top_fraction = 0.1;  // the "good" trials: the best this fraction (at least 2 of them)
  int min_trials = 4;         // fewer usable trials: every importance is 0
};

inline constexpr const char* kImportanceMethod = "PED-ANOVA";

// Importances of `space`'s parameters from the Complete trials of `trials` that have a
// finite value (others are ignored), ordered from most to least important (ties by name).
// Throws std::invalid_argument for a top_fraction outside (0, 1].
// A trial where a parameter is inactive does not count for that parameter.
std::vector<ParamImportance> param_importance(const Space& space,
                                              const std::vector<TrialSnapshot>& trials,
                                              Direction direction,
                                              const ImportanceOptions& options = {});

}  // namespace tune
