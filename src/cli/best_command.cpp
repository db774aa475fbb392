// tune best --study DIR: the best trial as JSON on stdout; with --test, also its accuracy on
// the test split, from the weights the run kept (--keep-best-weights) or by training its config
// again with its seed.
#include <iostream>

#include "cli/study_cli.h"
#include "common/cpu.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/pbt_segment.h"
#include "data/cache.h"
#include "run/slots.h"
#include "run/worker_env.h"
#include "strategy/pbt.h"
#include "study/best_file.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "train/device.h"
#include "train/weights.h"

namespace tune::cli {
namespace {

// The experiment the study was last run with, for --test.
Experiment recorded_experiment(Storage& storage, const std::string& dir) {
  auto experiment = storage.attr(kExperimentAttr);
  if (!experiment || !experiment->is_object())
    throw ConfigError("--test", "study " + dir + " records no experiment to test with");
  return parse_experiment(*experiment, "study " + dir + ": experiment");
}

// The test accuracy of `best` on `device`, added to `out` under "test"; says on stderr where
// the weights came from.
void add_test(Json& out, const StudyFlags& flags, Storage& storage, const TrialSnapshot& best) {
  Experiment experiment = recorded_experiment(storage, flags.dir);
  if (flags.parsed.count("data")) {
    experiment.data["dir"] = flags.parsed["data"].as<std::string>();
    experiment.flag_origins["data.dir"] = "--data";
  }
  const std::string device = check_device(flags.parsed["device"].as<std::string>(), "--device");
  use_cpu_kernels(experiment.devices, experiment.where("devices"));  // as the study trained
  auto env = enter_worker(device, usable_cores());
  std::string weights = study_best_weights_path(flags.dir);
  // A population-based stretch left its weights in its checkpoint.
  if (best.params.contains(kPbtKey) && kept_weights_trial(weights) != best.number)
    weights = study_checkpoint_path(flags.dir, best.number);
  DatasetCache cache;
  std::cerr << "tune: testing trial " << best.number << " on the test split...\n";
  Json test = test_best_trial(experiment, best, weights, device, cache);
  std::cerr << "tune: trial " << best.number << " test_accuracy " << test.at("test_accuracy")
            << (test.at("source") == "retrained"
                    ? " (retrained with its config and seed: no kept weights of it in " + weights +
                          ")"
                    : " (reloaded its weights from " + weights + ")")
            << "\n";
  out["test"] = test;
}

}  // namespace

int best_command(const Args& args) {
  cxxopts::Options options(args[0],
                           "Prints a study's best trial as JSON; with --test, its test accuracy.");
  options.add_options()("test",
                        "also report the best trial's accuracy on the test split: from the "
                        "weights kept by --keep-best-weights, else by training it again")(
      "device", "with --test: cpu, cuda or cuda:N",
      cxxopts::value<std::string>()->default_value("cpu"))(
      "data", "with --test: dataset directory (overrides the study's data.dir)",
      cxxopts::value<std::string>());
  auto flags = parse_study_flags(options, args);
  if (!flags) return 0;
  const bool test = flags->parsed.count("test") > 0;
  auto storage =
      open_existing_study(flags->dir, args[0] + " --study", storage_option(flags->parsed));
  Direction direction = study_direction(*storage);
  auto best = storage->best(direction);
  Json base = Json::object();
  if (auto experiment = storage->attr(kExperimentAttr);
      experiment && experiment->contains("params") && experiment->at("params").is_object())
    base = experiment->at("params");
  print_warnings(*storage);
  if (!best) {
    if (test) throw ConfigError("--test", "study " + flags->dir + " has no complete trial to test");
    std::cerr << "tune: study " << flags->dir << " has no complete trial yet\n";
    return 1;
  }
  Json out = best_trial_json(*best, direction, base);
  // A stretch of population-based training: the schedule its weights were trained with.
  if (best->params.contains(kPbtKey))
    out["pbt_schedule"] = pbt_schedule(storage->trials(), best->number);
  if (test) add_test(out, *flags, *storage, *best);
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace tune::cli
