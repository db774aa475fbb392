#pragma once
// A trained model's weights kept as a LibTorch archive (--keep-best-weights), and the best
// trial judged on the test split (`tune best --test`). The archive holds the model's
// parameters and buffers (Module::save) plus the trial's number and config, so that a reader
// can tell which trial it holds and rebuild the model from the config alone. Torch-free header.
#include <optional>
#include <string>

#include "common/experiment.h"
#include "common/trial.h"

namespace tune {

class DatasetCache;

// The trial number a weights archive at `path` records; nullopt when there is no such file or
// it is not one of ours.
std::optional<int> kept_weights_trial(const std::string& path);

// The test accuracy of `best` (a complete trial of a study run on `experiment`), on `device`:
// from the weights at `weights_path` when that archive holds this trial, else by training the
// trial's config again with its seed. Returns {"test_accuracy", "test_loss", "source":
// "kept weights" | "retrained", "weights": the archive (kept weights only),
// "recorded_test_accuracy" (when the trial recorded one)}. A stretch of population-based
// training cannot be retrained alone: without its weights at `weights_path` (its checkpoint),
// std::runtime_error. ConfigError when the experiment runs a
// command or its data has no test split; the trial's config or data may throw ConfigError as
// training does.
Json test_best_trial(const Experiment& experiment, const TrialSnapshot& best,
                     const std::string& weights_path, const std::string& device,
                     DatasetCache& cache);

}  // namespace tune
