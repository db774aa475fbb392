// tune [run]: runs (or resumes) a study from an experiment file. Flags override the file.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <limits>

#include "cli/study_cli.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/hparams.h"
#include "prune/pruner.h"
#include "run/run_experiment.h"
#include "run/slots.h"
#include "strategy/strategy.h"

namespace tune::cli {
namespace {

const char* const kDefaultConfig = "configs/fashion_mlp.json";

cxxopts::Options run_options(const std::string& name) {
  cxxopts::Options options(name, "Runs or resumes a study. Flags override the config file.");
  options.add_options()(
      "config", "experiment JSON file (default " + std::string(kDefaultConfig) + " when it exists)",
      cxxopts::value<std::string>())("strategy", "search strategy: " + join(strategy_names()),
                                     cxxopts::value<std::string>())(
      "pruner", "early stopping across trials: " + join(pruner_names()),
      cxxopts::value<std::string>())(
      "trials", "total trials of the study, across resumes (1 to 10000000)", cxxopts::value<int>())(
      "seed", "seed of the strategy (0 to 2^63-1)", cxxopts::value<uint64_t>())(
      "study", "study directory (default studies/<experiment name>)",
      cxxopts::value<std::string>())("timeout",
                                     "stop handing out trials after SECONDS (up to ten years)",
                                     cxxopts::value<double>())(
      "on-timeout", "what running trials do at the timeout: finish (default) or stop",
      cxxopts::value<std::string>())("gpus",
                                     "GPUs to run trials on: 0,1 or all (config: devices.gpus)",
                                     cxxopts::value<std::string>())(
      "per-device", "trials at once on each GPU (default 1, up to 256)", cxxopts::value<int>())(
      "cpu-workers",
      "trials at once on the CPU, splitting its cores (default 1 without --gpus; up to 1024), "
      "or auto: one per core without --gpus",
      cxxopts::value<std::string>())(
      "fuse",
      "the largest group of trials a worker trains as one batched model (1: off; default 8 on "
      "GPUs, 1 on the CPU; up to 1024; config: devices.fuse)",
      cxxopts::value<int>())(
      "retry-oom", "retry a trial that ran out of GPU memory once with half its batch size")(
      "cuda-graphs",
      "on|off: trials on a GPU replay their training step from a CUDA graph (default on; "
      "config: devices.cuda_graphs)",
      cxxopts::value<std::string>())(
      "cpu-kernels",
      "tuned|libtorch: the kernels trials on the CPU train with, tune's own (default: oneDNN "
      "products, hashed dropout masks, one-call Adam) or LibTorch's (config: devices.cpu_kernels)",
      cxxopts::value<std::string>())(
      "keep-best-weights",
      "keep the best trial's weights in STUDY/best.pt, for `tune best --test` "
      "(config: objective.keep_best_weights)")(
      "threads",
      "intra-op threads per CPU worker (default: its share of the usable cores, fewer when that "
      "trains faster)",
      cxxopts::value<int>())("data", "dataset directory (overrides data.dir)",
                             cxxopts::value<std::string>())(
      "stale-after",
      "seconds without a heartbeat before another process's trial is dead (1 to 604800)",
      cxxopts::value<double>()->default_value("30"))(
      "max-failures", "stop after this many failed trials in a row (0: never; up to 1000000)",
      cxxopts::value<int>()->default_value("5"))("h,help", "show this help");
  // The study's name in a --storage database is the last component of --study.
  options.add_options()("storage", kStorageHelp, cxxopts::value<std::string>())(
      "storage-retry", "seconds a worker that loses the storage's server retries (0 to 86400)",
      cxxopts::value<double>()->default_value("180"));
  options.add_options()(
      "warm-start",
      "seed a new study with the complete trials of the study in DIR that fall inside this "
      "space (copied, not run again; --trials counts new trials only)",
      cxxopts::value<std::string>());
  options.custom_help("[--config FILE] [options] [--set name=value ...]");
  return options;
}

std::string config_path(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (parsed.count("config")) return parsed["config"].as<std::string>();
  if (std::filesystem::is_regular_file(kDefaultConfig)) return kDefaultConfig;
  throw ConfigError(command, "no --config given and no " + std::string(kDefaultConfig) +
                                 " in the current directory");
}

// `--flag`'s value, refused unless in [low, high].
template <typename T>
T in_range(const cxxopts::ParseResult& parsed, const std::string& flag, T low, T high) {
  T value = parsed[flag].as<T>();
  if (!(value >= low && value <= high))
    throw ConfigError("--" + flag, "must be in [" + std::to_string(low) + ", " +
                                       std::to_string(high) + "], got " + std::to_string(value));
  return value;
}

// The config's "devices" with the flags on top.
void apply_device_flags(Experiment& e, const cxxopts::ParseResult& parsed) {
  if (parsed.count("gpus")) {
    e.devices["gpus"] = parsed["gpus"].as<std::string>();
    e.flag_origins["devices.gpus"] = "--gpus";
  }
  if (parsed.count("per-device")) {
    e.devices["per_device"] = in_range(parsed, "per-device", 1, kMaxPerDevice);
    e.flag_origins["devices.per_device"] = "--per-device";
  }
  if (parsed.count("cpu-workers")) {
    // An integer stays an integer in the stored config, "auto" (or anything else) a string.
    const std::string text = parsed["cpu-workers"].as<std::string>();
    const Json number = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    const Json value = number.is_number_integer() ? number : Json(text);
    e.devices["cpu_workers"] = value;
    checked_cpu_workers(value, "--cpu-workers");
    e.flag_origins["devices.cpu_workers"] = "--cpu-workers";
  }
  if (parsed.count("fuse")) {
    e.devices["fuse"] = in_range(parsed, "fuse", 1, kMaxFuse);
    e.flag_origins["devices.fuse"] = "--fuse";
  }
  if (parsed.count("cuda-graphs")) {
    const std::string value = parsed["cuda-graphs"].as<std::string>();
    if (value != "on" && value != "off")
      throw ConfigError("--cuda-graphs", "expected one of on, off, got \"" + value + "\"");
    e.devices["cuda_graphs"] = value == "on";
    e.flag_origins["devices.cuda_graphs"] = "--cuda-graphs";
  }
  if (parsed.count("cpu-kernels")) {
    e.devices["cpu_kernels"] =
        checked_cpu_kernels(parsed["cpu-kernels"].as<std::string>(), "--cpu-kernels");
    e.flag_origins["devices.cpu_kernels"] = "--cpu-kernels";
  }
}

// Flags override the file. `--set name=value` fixes a param; a searched one leaves the space
// (a note in `notes`).
void apply_overrides(Experiment& e, const cxxopts::ParseResult& parsed,
                     const std::vector<std::string>& sets, std::vector<std::string>& notes) {
  // A flag naming another strategy or pruner replaces the file's section (its options belong
  // to the other one); a bad name is the flag's error.
  auto named = [&](const char* flag, Json& section, const std::vector<std::string>& allowed) {
    std::string name = parsed[flag].as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
      throw ConfigError(std::string("--") + flag,
                        "unknown name \"" + name + "\"; allowed: " + join(allowed));
    if (section.value("name", "") != name) section = Json{{"name", name}};
  };
  if (parsed.count("strategy")) named("strategy", e.strategy, strategy_names());
  if (parsed.count("trials")) e.trials = in_range(parsed, "trials", 1, kMaxTrials);
  if (parsed.count("seed"))
    e.seed = in_range<uint64_t>(parsed, "seed", 0, std::numeric_limits<int64_t>::max());
  if (parsed.count("data")) {
    e.data["dir"] = parsed["data"].as<std::string>();
    e.flag_origins["data.dir"] = "--data";
  }
  if (parsed.count("timeout")) {
    double timeout = parsed["timeout"].as<double>();
    if (std::string bad = timeout_problem(timeout); !bad.empty())
      throw ConfigError("--timeout", bad);
    e.timeout = timeout;
  }
  if (parsed.count("on-timeout")) {
    e.on_timeout = parsed["on-timeout"].as<std::string>();
    const auto& allowed = on_timeout_choices();
    if (std::find(allowed.begin(), allowed.end(), e.on_timeout) == allowed.end())
      throw ConfigError("--on-timeout",
                        "expected one of " + join(allowed) + ", got \"" + e.on_timeout + "\"");
  }
  if (parsed.count("pruner")) named("pruner", e.pruner, pruner_names());
  // Flags of the training objective: refused for a command.
  auto training_flag = [&](const char* flag, bool& field) {
    if (!parsed.count(flag)) return;
    if (e.objective_spec.is_command())
      throw ConfigError(std::string("--") + flag, "applies to training objectives; " +
                                                      e.where("objective") + " runs a command");
    field = true;
  };
  training_flag("retry-oom", e.objective_spec.retry_oom);
  training_flag("keep-best-weights", e.objective_spec.keep_best_weights);
  apply_device_flags(e, parsed);
  for (const auto& assignment : sets) {
    std::string name = apply_set(e, assignment);
    if (e.space.contains(name)) {
      e.space.erase(name);
      notes.push_back("--set " + name + " fixes a searched parameter; it is not searched");
    }
  }
}

int exit_code(const RunSummary& summary) {
  switch (summary.reason) {
    case RunControl::Reason::Interrupted:  // as a shell reports a process the signal killed
      return 128 + (summary.signal ? summary.signal : SIGINT);
    case RunControl::Reason::TooManyFailures:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

int run_command(const Args& raw_args) {
  Args args = raw_args;
  std::vector<std::string> sets = take_repeated(args, "set");
  cxxopts::Options options = run_options(args[0]);
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help() << "  --set name=value     fix a parameter (repeatable)\n";
    return 0;
  }
  Experiment e = load_experiment(config_path(parsed, args[0]));
  ExperimentRunOptions run;
  apply_overrides(e, parsed, sets, run.notes);
  if (parsed.count("study")) run.study_dir = parsed["study"].as<std::string>();
  if (parsed.count("warm-start")) run.warm_start = parsed["warm-start"].as<std::string>();
  if (parsed.count("storage")) run.storage = parsed["storage"].as<std::string>();
  run.storage_retry = parsed["storage-retry"].as<double>();
  if (!(run.storage_retry >= 0 && run.storage_retry <= 86400))
    throw ConfigError("--storage-retry",
                      "must be in [0, 86400] seconds, got " + std::to_string(run.storage_retry));
  run.stale_after = parsed["stale-after"].as<double>();
  run.max_failures = parsed["max-failures"].as<int>();
  if (parsed.count("threads")) {
    run.threads = parsed["threads"].as<int>();
    if (run.threads < 1 || run.threads > 1024)
      throw ConfigError("--threads", "must be in [1, 1024], got " + std::to_string(run.threads));
  }
  run.log = &std::cerr;
  run.interactive = isatty(STDERR_FILENO);
  run.handle_signals = true;
  return exit_code(run_experiment(e, run).summary);
}

}  // namespace tune::cli
