#pragma once
// The objective an experiment asks for: a CommandObjective when "objective" has "command",
// else the LibTorch training objective. The CLI is the one place that knows both.
#include <memory>
#include <string>

#include "common/experiment.h"
#include "common/trial.h"
#include "objective/objective.h"

namespace tune::cli {

// `retry_oom`: a training trial out of GPU memory is retried once with half its batch size.
std::unique_ptr<Objective> make_objective(const Experiment& experiment, bool retry_oom = false);

// Whether the experiment's objective runs a command (else it trains a model).
bool is_command_objective(const Experiment& experiment);

// "objective.direction" when given; otherwise minimize for a command, and for training the
// monitored metric decides: losses and errors minimise, anything else (val_accuracy, the
// default) maximises.
Direction objective_direction(const Experiment& experiment);

// What the objective's value is called in progress lines ("val_accuracy", "value").
std::string objective_metric(const Experiment& experiment);

}  // namespace tune::cli
