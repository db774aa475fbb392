#pragma once
// The objective an experiment asks for: a CommandObjective when its objective runs a command,
// else the LibTorch training objective. The one place that knows both kinds.
#include <memory>

#include "common/experiment.h"
#include "objective/objective.h"

namespace tune {

// Checks the objective (and, for training, the callbacks) now: ConfigError before any trial.
// `retry_oom`: a training trial out of GPU memory is retried once with half its batch size.
// `study_dir`: where training trials leave their weights with "objective.keep_best_weights".
std::unique_ptr<Objective> make_objective(const Experiment& experiment, bool retry_oom = false,
                                          const std::string& study_dir = "");

}  // namespace tune
