#pragma once
// Everything about a training experiment that can be checked before a study or a training run
// starts, through the code a trial runs, so that `tune run` and `tune train` refuse a bad
// experiment up front instead of failing trial after trial:
//   - params: a dry build of the model, the optimizer and the loop options (TrainOptions) for
//     the fixed params (experiment.params after --set), then for each searched parameter at
//     each of its bounds or choices, one at a time, overlaid on the fixed params with the
//     parents its condition needs. The builds run on meta tensors (shapes, no memory) for a
//     generous fake input shape, so no data is read and a 65536-unit layer costs nothing.
//     Checks that depend on the real data (a cnn's pooled blocks against the image size) wait
//     for the trial.
//   - param names: a name in params, --set or the space that no builder, optimizer or trainer
//     reads is refused. The known names are learned by recording what they read in dry builds
//     (known_param_names), never listed by hand.
//   - callbacks, and the data section (keys, ranges, files and directories present; nothing is
//     read).
// Errors are ConfigError naming where the bad value was written: "--set lr",
// "configs/x.json: params.lr", "configs/x.json: space.lr.low", "configs/x.json: data.dir".
// Command objectives have params of their own program: callers skip this for them.
#include <string>
#include <vector>

#include "common/experiment.h"
#include "common/hparams.h"

namespace tune {

// Throws ConfigError for the first problem found; the experiment is otherwise runnable.
void check_train_experiment(const Experiment& experiment);

// Builds what a trial builds from `params` (model, optimizer, TrainOptions) on meta tensors;
// throws ConfigError as the trial would. `params` names the errors (source and origins).
void check_train_params(const Hyperparameters& params);

// The data section alone (keys, ranges, files and directories present; nothing is read), its
// errors naming the flag that set a field (`--data` for dir) or the experiment's file.
void check_experiment_data(const Experiment& experiment);

// Every param name some builder, optimizer or the trainer reads, sorted: the names read in
// dry builds of every choice they offer (each model, each optimizer, ...) with every integer
// at its maximum and every flag on, so that conditional names (units_<i> for each possible
// layer) are found too. Computed once per process.
const std::vector<std::string>& known_param_names();

}  // namespace tune
