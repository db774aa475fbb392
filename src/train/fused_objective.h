#pragma once
// Training a fused group of configs with LibTorch (train/fused/), behind a torch-free header:
// what TrainObjective::run_group runs. Each trial reports its own epochs through its own
// context (pruning and stop requests are per trial: a trial that stops leaves the group and the
// others go on) and gets its own result, as train_config gives one trial alone.
#include <vector>

#include "common/experiment.h"
#include "objective/objective.h"

namespace tune {

class DatasetCache;

// configs[k] trained with contexts[k] (all on contexts[0]->device), in one FusedTrainer.
// Returns one train_config-like result per config ({"history", "stop_reason", "monitor",
// "best_epoch", "best_value", "test_*", "device"}). ConfigError when the configs cannot share a
// group (form_fused_groups keeps such configs apart) or a config is bad; LibTorch's errors
// (out of memory) propagate: they are the whole group's. With a `study_dir` (the study keeps
// its best weights), each trial that ends on its own leaves its weights, as a model of its own
// widths, at study_trial_weights_path(study_dir, its number), as train_config does alone.
std::vector<Json> train_group(const Experiment& experiment, const std::vector<Config>& configs,
                              const std::vector<TrialContext*>& contexts, DatasetCache& cache,
                              const std::string& study_dir = "");

}  // namespace tune
