#include "train/weights.h"

#include <filesystem>

#include "common/error.h"
#include "common/hparams.h"
#include "common/pbt_segment.h"
#include "data/cache.h"
#include "models/builders.h"
#include "study/best_file.h"
#include "train/check_experiment.h"
#include "train/device.h"
#include "train/train_objective.h"
#include "train/trainer.h"
#include "train/weights_archive.h"

namespace tune {
namespace {

const char* const kTrialKey = "tune_trial";
const char* const kConfigKey = "tune_config";
const char* const kOptimizerKey = "tune_optimizer";  // checkpoints only

// The trial number and config an archive records, with the archive loaded on the CPU.
struct Archive {
  torch::serialize::InputArchive archive;
  int trial = -1;
  Config config;
};

std::optional<Archive> read_archive(const std::string& path) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) return std::nullopt;
  Archive out;
  try {
    out.archive.load_from(path, torch::Device(torch::kCPU));
    c10::IValue trial, config;
    if (!out.archive.try_read(kTrialKey, trial) || !out.archive.try_read(kConfigKey, config))
      return std::nullopt;
    out.trial = static_cast<int>(trial.toInt());
    out.config = Json::parse(config.toStringRef());
  } catch (const std::exception&) {
    return std::nullopt;  // not one of ours
  }
  return out;
}

Json evaluation_json(const Evaluation& e) {
  return {{"test_accuracy", e.accuracy}, {"test_loss", e.loss}};
}

Json test_kept(const Experiment& experiment, Archive& kept, const Dataset& data,
               const std::string& device) {
  Hyperparameters hp(kept.config, experiment.where("params"));
  torch::nn::Sequential model = builtin_models().build(hp, data.input_shape, data.num_classes);
  model->load(kept.archive);
  model->to(torch::Device(device));
  return evaluation_json(evaluate_model(model, data.test, TrainOptions().eval_batch_size));
}

Json retrain(const Experiment& experiment, const Config& config, const std::string& device,
             DatasetCache& cache) {
  TrialContext ctx;
  ctx.device = device;
  ctx.tune_threads = true;
  Json run = train_config(experiment, config, ctx, cache);
  if (!run.contains("test_accuracy"))
    throw std::runtime_error("retraining stopped before the test (" +
                             run.at("stop_reason").get<std::string>() + ")");
  return {{"test_accuracy", run.at("test_accuracy")}, {"test_loss", run.at("test_loss")}};
}

void save_archive(torch::nn::Module& model, const torch::optim::Optimizer* optimizer, int trial,
                  const Config& config, const std::string& path) {
  write_file_atomically(path, [&](const std::string& temporary) {
    torch::serialize::OutputArchive archive;
    model.save(archive);
    archive.write(kTrialKey, c10::IValue(static_cast<int64_t>(trial)));
    archive.write(kConfigKey, c10::IValue(config.dump()));
    if (optimizer) {
      torch::serialize::OutputArchive state;
      optimizer->save(state);
      archive.write(kOptimizerKey, state);
    }
    archive.save_to(temporary);
  });
}

}  // namespace

bool keeps_weights(const std::string& reason) {
  return reason != stop_reason::kStopped && reason != stop_reason::kDiverged;
}

void save_weights(torch::nn::Module& model, int trial, const Config& config,
                  const std::string& path) {
  save_archive(model, nullptr, trial, config, path);
}

void save_checkpoint(torch::nn::Module& model, const torch::optim::Optimizer& optimizer, int trial,
                     const Config& config, const std::string& path) {
  save_archive(model, &optimizer, trial, config, path);
}

void load_checkpoint(const std::string& path, const torch::Device& device, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored))
    throw std::runtime_error("the checkpoint " + path +
                             " is missing (deleted, or written on another host: trials that "
                             "go on from each other need one study directory)");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    // Module::load takes the saved tensors whatever their shapes: check them.
    // (It fills the same tensors, so `named` sees what it loaded.)
    const auto named = model.named_parameters();
    std::vector<std::vector<int64_t>> shapes;
    for (const auto& p : named) shapes.push_back(p.value().sizes().vec());
    model.load(archive);
    for (size_t i = 0; i < named.size(); ++i)
      if (named[i].value().sizes().vec() != shapes[i])
        throw std::runtime_error(named[i].key() + " is saved with another shape");
    torch::serialize::InputArchive state;
    archive.read(kOptimizerKey, state);
    std::vector<std::unique_ptr<torch::optim::OptimizerOptions>> own;
    for (auto& group : optimizer.param_groups()) own.push_back(group.options().clone());
    optimizer.load(state);
    for (size_t i = 0; i < own.size(); ++i)
      optimizer.param_groups()[i].set_options(std::move(own[i]));
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw std::runtime_error("the checkpoint " + path + " does not fit this trial's model and " +
                             "optimizer: " + what.substr(0, what.find('\n')));
  }
}

std::optional<int> kept_weights_trial(const std::string& path) {
  auto archive = read_archive(path);
  if (!archive) return std::nullopt;
  return archive->trial;
}

Json test_best_trial(const Experiment& experiment, const TrialSnapshot& best,
                     const std::string& weights_path, const std::string& device,
                     DatasetCache& cache) {
  if (experiment.objective_spec.is_command())
    throw ConfigError(experiment.where("objective"),
                      "runs a command; only a training objective's trials can be tested");
  const std::string checked = check_device(device, "--device");
  check_experiment_data(experiment);  // first, so that errors name `--data` where it set dir
  auto data = cache.get(experiment.data, checked, experiment.where("data"));
  if (!data->has_test())
    throw ConfigError(experiment.where("data"),
                      "has no test split to test on; allowed: a dataset with one (fashion-mnist "
                      "and mnist have t10k files, synthetic has test_samples)");
  Json out;
  std::optional<Archive> kept = read_archive(weights_path);
  if (kept && kept->trial == best.number) {
    out = test_kept(experiment, *kept, *data, checked);
    out["source"] = "kept weights";
    out["weights"] = weights_path;
  } else if (auto segment = PbtSegment::from_config(best.params, "trial")) {
    throw std::runtime_error(
        "trial " + std::to_string(best.number) + " is a stretch of population-based training" +
        (segment->parent
             ? " that went on from trial " + std::to_string(*segment->parent) + "'s weights"
             : "") +
        ": it cannot be trained again alone, and " + weights_path + " does not hold its weights");
  } else {
    out = retrain(experiment, experiment.trial_config(best.params), checked, cache);
    out["source"] = "retrained";
  }
  if (best.summary.contains("test_accuracy"))
    out["recorded_test_accuracy"] = best.summary.at("test_accuracy");
  return out;
}

}  // namespace tune
