#pragma once
// Training one config with LibTorch, behind a torch-free header so the CLI, the study and the
// scheduler can use it without LibTorch's headers.
#include <functional>
#include <memory>

#include "common/experiment.h"
#include "objective/objective.h"

namespace tune {

class DatasetCache;

// Trains `config` (a trial's flat config: experiment.trial_config(sampled)) on ctx.device with
// the experiment's data, callbacks and objective monitor. Each epoch's metrics go to
// ctx.report_epoch; ctx.stop_requested() (pruned, or stopped by the study) ends training with
// stop reason "stopped". Datasets come
// from `cache`, so trials in one process share them.
// Returns {"history": [{epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds,
// samples_per_second}...], "stop_reason", "monitor", "best_epoch", "best_value",
// "test_loss", "test_accuracy" (with a test split), "parameters" (trainable values)}.
// Bad config, data or device: ConfigError. A diverged run is a normal result here.
// With `save_weights_to`, a run that ends on its own (not stopped, not diverged) leaves the
// weights it was tested with there (train/weights.h).
// A config with "pbt" (common/pbt_segment.h) is a stretch of a population-based member: it
// trains epochs from_epoch + 1 to to_epoch of params.epochs (the schedule follows all of them),
// from its parent's checkpoint in `study_dir` when it has one, eagerly (no captured steps), and
// when it ends on its own leaves its checkpoint there for later stretches
// (study_checkpoint_path). Without a `study_dir` such a config is a ConfigError.
Json train_config(const Experiment& experiment, const Config& config, TrialContext& ctx,
                  DatasetCache& cache, const std::string& save_weights_to = "",
                  const std::string& study_dir = "");
// The same with a dataset cache of its own (one run by hand).
Json train_config(const Experiment& experiment, const Config& config, TrialContext& ctx);

// Whether trials of `experiment` on a GPU replay their steps from a CUDA graph
// (devices.cuda_graphs, on unless turned off): single trials and fused groups alike.
bool captures_steps(const Experiment& experiment);

// Runs train(config); if that runs out of device memory (c10::OutOfMemoryError, or a
// c10::Error saying "out of memory" or *_STATUS_ALLOC_FAILED) and the
// config's batch_size is at least 2, frees the device's cached memory and runs
// train(config with half the batch size) instead, describing the retry in `retried`
// ({batch_size, retried_with, error}). A second out-of-memory error propagates.
Json with_oom_retry(const Json& config, const std::string& device,
                    const std::function<Json(const Json&)>& train, Json& retried);

// The objective a study runs for experiments without an "objective.command": value = the best
// value of objective.monitor (default val_accuracy; direction maximize, or minimize for a
// loss) over the epochs, summary = {stop_reason, best_epoch, epochs, test_accuracy, test_loss}.
// A diverged run (NaN/inf loss, or the divergence callback) throws: the trial failed.
// Safe to run from several threads at once; they share one dataset cache.
// Checks the whole experiment now (check_experiment.h: params, space bounds, callbacks, data
// files), so a study refuses a bad one before any trial: ConfigError.
// With `retry_oom` (or "objective.retry_oom": true) a trial that runs out of device memory is
// run once more with half its batch size; its summary then says so under "oom_retry".
// With "objective.keep_best_weights" and a `study_dir`, each trial that ends on its own leaves
// its weights at study_trial_weights_path(study_dir, number) (study/study_dir.h), for the
// run's BestWeightsListener to keep or delete.
std::unique_ptr<Objective> make_train_objective(const Experiment& experiment,
                                                bool retry_oom = false,
                                                const std::string& study_dir = "");

}  // namespace tune
