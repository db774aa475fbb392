#include "train/train_objective.h"

#include <cmath>

#include "common/error.h"
#include "common/hparams.h"
#include "common/pbt_segment.h"
#include "common/trial.h"
#include "data/cache.h"
#include "models/builders.h"
#include "run/slots.h"
#include "run/worker_env.h"
#include "space/rng.h"
#include "study/study_dir.h"
#include "train/check_experiment.h"
#include "train/device.h"
#include "train/fused/fused_groups.h"
#include "train/fused_objective.h"
#include "train/optimizer.h"
#include "train/trainer.h"
#include "train/weights_archive.h"

namespace tune {
namespace {

// A trial's training result as the study's objective value (its best or its last epoch's
// monitored value, as `value` says) and summary. A diverged run, or one without a finite
// value to score it by, throws: the trial failed.
ObjectiveResult result_of(const Json& out, TrialValue value) {
  const std::string reason = out.at("stop_reason");
  const Json& history = out.at("history");
  if (reason == stop_reason::kDiverged)
    throw std::runtime_error("training diverged at epoch " + std::to_string(history.size()) + " (" +
                             history.back().dump() + ")");
  const std::string monitor = out.at("monitor");
  Json scored = out.at("best_value");
  if (value == TrialValue::Last && !history.empty()) {
    const Json& last = history.back();
    scored = last.contains(monitor) ? last.at(monitor) : Json();
  }
  if (!scored.is_number() || !std::isfinite(scored.get<double>()))
    throw std::runtime_error(std::string(value == TrialValue::Last && !history.empty()
                                             ? "the last epoch gave"
                                             : "no epoch gave") +
                             " a finite " + monitor + " (stop reason " + reason + ")");
  ObjectiveResult r;
  r.value = scored.get<double>();
  r.summary = {
      {"stop_reason", reason}, {"best_epoch", out.at("best_epoch")}, {"epochs", history.size()}};
  if (out.contains("test_accuracy")) {
    r.summary["test_accuracy"] = out.at("test_accuracy");
    r.summary["test_loss"] = out.at("test_loss");
  }
  return r;
}

class TrainObjective : public Objective {
 public:
  TrainObjective(Experiment e, bool retry_oom, const std::string& study_dir)
      : experiment_(std::move(e)), study_dir_(study_dir) {
    check_train_experiment(experiment_);
    retry_oom_ = retry_oom || experiment_.objective_spec.retry_oom;
    if (experiment_.objective_spec.keep_best_weights) weights_dir_ = study_dir;
  }

  ObjectiveResult run(const Json& config, TrialContext& ctx) override {
    Json oom_retry;
    const std::string weights =
        weights_dir_.empty() ? "" : study_trial_weights_path(weights_dir_, ctx.number);
    auto train = [&](const Json& c) {
      return train_config(experiment_, c, ctx, cache_, weights, study_dir_);
    };
    Json out = retry_oom_ ? with_oom_retry(config, ctx.device, train, oom_retry) : train(config);
    ObjectiveResult r = result_of(out, experiment_.objective_spec.value);
    if (!oom_retry.is_null()) r.summary["oom_retry"] = oom_retry;
    return r;
  }

  bool can_fuse() const override { return true; }
  // Groups and keys need the examples' shape (a cnn's image). Data that does not load forms no
  // groups and gives no key.
  std::vector<std::vector<size_t>> fuse_groups(const std::vector<Json>& configs, int largest,
                                               const std::string& device) override {
    std::optional<std::vector<int64_t>> input_shape = input_shape_on(device);
    if (!input_shape) return form_fused_groups(configs, 1, {});
    return form_fused_groups(configs, largest, *input_shape);
  }
  FuseKeyFn fuse_key(const std::string& device) override {
    std::optional<std::vector<int64_t>> input_shape = input_shape_on(device);
    if (!input_shape) return {};
    return [shape = *input_shape](const Config& config) { return tune::fuse_key(config, shape); };
  }
  // A group is not retried at half its batch size when it runs out of memory: it fails, and
  // its trials with it.
  std::vector<GroupMemberResult> run_group(const std::vector<Json>& configs,
                                           const std::vector<TrialContext*>& contexts) override {
    std::vector<Json> outs = train_group(experiment_, configs, contexts, cache_, weights_dir_);
    std::vector<GroupMemberResult> results(outs.size());
    for (size_t k = 0; k < outs.size(); ++k) {
      try {
        results[k].result = result_of(outs[k], experiment_.objective_spec.value);
      } catch (const std::exception& e) {
        results[k].error = e.what();
      }
    }
    return results;
  }

 private:
  // The examples' shape, from the data the trials load on `device` anyway; nullopt when the
  // data does not load (then each trial fails alone, saying why).
  std::optional<std::vector<int64_t>> input_shape_on(const std::string& device) {
    try {
      return cache_
          .get(experiment_.data, check_device(device, "device"), experiment_.where("data"))
          ->input_shape;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  const Experiment experiment_;
  bool retry_oom_ = false;
  std::string study_dir_;    // the study's directory (population-based checkpoints)
  std::string weights_dir_;  // where trials leave their weights; "": they are not kept
  DatasetCache cache_;
};

}  // namespace

bool is_out_of_memory(const c10::Error& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
  // Not every allocation failure comes as OutOfMemoryError: a CUDA runtime or cuBLAS
  // allocation that fails is a plain c10::Error.
  const std::string what = e.what();
  for (const char* sign :
       {"out of memory", "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED"})
    if (what.find(sign) != std::string::npos) return true;
  return false;
}

Json with_oom_retry(const Json& config, const std::string& device,
                    const std::function<Json(const Json&)>& train, Json& retried) {
  try {
    return train(config);
  } catch (const c10::Error& e) {
    if (!is_out_of_memory(e)) throw;
    int64_t batch = TrainOptions::from(Hyperparameters(config)).batch_size;
    if (batch < 2) throw;
    std::string what = e.what();
    Json smaller = config;
    smaller["batch_size"] = batch / 2;
    // The failed attempt's tensors are gone with the exception; hand their cached blocks back
    // before trying again.
    release_cached_memory(device);
    retried = {{"batch_size", batch},
               {"retried_with", batch / 2},
               {"error", what.substr(0, what.find('\n'))}};
    return train(smaller);
  }
}

Json train_config(const Experiment& experiment, const Config& trial_config, TrialContext& ctx,
                  DatasetCache& cache, const std::string& save_weights_to,
                  const std::string& study_dir) {
  const std::string device = check_device(ctx.device, "device");
  const std::optional<PbtSegment> segment =
      PbtSegment::from_config(trial_config, experiment.where("params"));
  if (segment && study_dir.empty())
    throw ConfigError(experiment.where("params") + "." + kPbtKey,
                      "a stretch of population-based training goes on from checkpoints in its "
                      "study's directory; allowed: running it in a study (tune --config)");
  const Config config = without_pbt(trial_config);
  Hyperparameters hp(config, experiment.where("params"));
  TrainOptions options = TrainOptions::from(hp);
  if (segment) {
    options.first_epoch = segment->from_epoch + 1;
    options.last_epoch = segment->to_epoch;
    // Initial weights differ from member to member, batch order and dropout masks from
    // stretch to stretch: two members that hold the same weights and config do not stay twins.
    const uint64_t stretch =
        (static_cast<uint64_t>(segment->member) << 32) | static_cast<uint64_t>(segment->from_epoch);
    options.seed = splitmix64(options.seed ^ splitmix64(stretch));
  }
  const ObjectiveSpec& spec = experiment.objective_spec;
  options.tune_threads = ctx.tune_threads;
  options.monitor = spec.monitor;
  options.mode = spec.direction == Direction::Minimize ? Mode::Min : Mode::Max;
  check_train_params(hp);  // a bad config fails before its data loads
  auto callbacks = make_callbacks(experiment.callbacks, experiment.where("callbacks"));
  ModelRegistry models = builtin_models();
  auto data = cache.get(experiment.data, device, experiment.where("data"));

  torch::nn::Sequential model = models.build(hp, data->input_shape, data->num_classes);
  initialize_parameters(*model, options.seed);
  model->to(torch::Device(device));
  auto optimizer = make_optimizer(hp, model->parameters());
  int64_t parameters = count_parameters(*model);

  if (segment && segment->parent)
    load_checkpoint(study_checkpoint_path(study_dir, *segment->parent), torch::Device(device),
                    *model, *optimizer);
  torch::optim::Optimizer& state = *optimizer;  // for the checkpoint; the trainer owns it

  Trainer trainer(model, std::move(optimizer), options);
  // A captured step keeps its optimizer's state on the device, out of the checkpoint's reach.
  if (captures_steps(experiment) && !segment)
    trainer.capture_steps(optimizer_spec(hp));  // on a GPU; ignored on the CPU
  for (auto& c : callbacks) trainer.add_callback(std::move(c));
  trainer.on_epoch([&ctx](const EpochMetrics& m) { ctx.report_epoch(m.to_json()); });
  trainer.stop_when([&ctx] { return ctx.stop_requested(); });
  Json out = trainer.fit(*data).to_json();
  const std::string reason = out.at("stop_reason");
  if (!save_weights_to.empty() && keeps_weights(reason))
    save_weights(*model, ctx.number, config, save_weights_to);
  if (segment && keeps_weights(reason))
    save_checkpoint(*model, state, ctx.number, trial_config,
                    study_checkpoint_path(study_dir, ctx.number));
  out["parameters"] = parameters;
  out["device"] = device;
  return out;
}

bool captures_steps(const Experiment& experiment) {
  return DeviceOptions::from_json(experiment.devices, experiment.where("devices")).cuda_graphs;
}

Json train_config(const Experiment& experiment, const Config& config, TrialContext& ctx) {
  DatasetCache cache;
  return train_config(experiment, config, ctx, cache);
}

std::unique_ptr<Objective> make_train_objective(const Experiment& experiment, bool retry_oom,
                                                const std::string& study_dir) {
  return std::make_unique<TrainObjective>(experiment, retry_oom, study_dir);
}

}  // namespace tune
