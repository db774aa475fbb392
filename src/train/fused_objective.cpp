#include "train/fused_objective.h"

#include <stdexcept>

#include "common/hparams.h"
#include "data/cache.h"
#include "study/study_dir.h"
#include "train/callbacks.h"
#include "train/check_experiment.h"
#include "train/device.h"
#include "train/fused/fused_trainer.h"
#include "train/train_objective.h"
#include "train/weights_archive.h"

namespace tune {

std::vector<Json> train_group(const Experiment& experiment, const std::vector<Config>& configs,
                              const std::vector<TrialContext*>& contexts, DatasetCache& cache,
                              const std::string& study_dir) {
  if (configs.empty() || contexts.size() != configs.size())
    throw std::invalid_argument("train_group: one context per config, and at least one config");
  const std::string device = check_device(contexts.front()->device, "device");
  std::vector<Hyperparameters> hps;
  for (const Config& c : configs) {
    hps.emplace_back(c, experiment.where("params"));
    check_train_params(hps.back());
  }
  const ObjectiveSpec& spec = experiment.objective_spec;
  auto data = cache.get(experiment.data, device, experiment.where("data"));
  FusedTrainer trainer = make_fused_trainer(
      hps, data->input_shape, data->num_classes, torch::Device(device), [&](TrainOptions& o) {
        o.monitor = spec.monitor;
        o.mode = spec.direction == Direction::Minimize ? Mode::Min : Mode::Max;
      });
  // On a GPU the group's steps replay from a CUDA graph unless devices.cuda_graphs is off.
  trainer.capture_steps(captures_steps(experiment));
  for (size_t k = 0; k < configs.size(); ++k) {
    const auto trial = static_cast<int64_t>(k);
    for (auto& c : make_callbacks(experiment.callbacks, experiment.where("callbacks")))
      trainer.add_callback(trial, std::move(c));
    TrialContext* ctx = contexts[k];
    trainer.on_epoch(trial, [ctx](const EpochMetrics& m) { ctx->report_epoch(m.to_json()); });
    trainer.stop_when(trial, [ctx] { return ctx->stop_requested(); });
  }
  std::vector<TrainResult> results = trainer.fit(*data);
  std::vector<Json> out;
  for (size_t k = 0; k < results.size(); ++k) {
    const TrainResult& r = results[k];
    out.push_back(r.to_json());
    out.back()["device"] = device;
    if (!study_dir.empty() && keeps_weights(r.stop_reason)) {
      torch::nn::Sequential own = trainer.model().trial_model(static_cast<int64_t>(k));
      const int number = contexts[k]->number;
      save_weights(*own, number, configs[k], study_trial_weights_path(study_dir, number));
    }
  }
  return out;
}

}  // namespace tune
