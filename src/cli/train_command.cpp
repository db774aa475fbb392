// tune train: one config trained by hand, with a progress line per epoch on stderr and the
// full record (config, per-epoch history, stop reason, best epoch, test accuracy) in --output.
#include <cxxopts.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "common/cpu.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/hparams.h"
#include "run/slots.h"
#include "run/worker_env.h"
#include "study/best_file.h"
#include "train/check_experiment.h"
#include "train/device.h"
#include "train/train_objective.h"

namespace tune::cli {
namespace {

cxxopts::Options train_options(const std::string& program) {
  cxxopts::Options o(program, "Train one config of an experiment and report its epochs");
  o.add_options()("config", "experiment file (JSON)", cxxopts::value<std::string>())(
      "set", "override a parameter: name=value (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "epochs", "maximum epochs (overrides params.epochs)", cxxopts::value<std::string>())(
      "device", "cpu, cuda or cuda:N", cxxopts::value<std::string>()->default_value("cpu"))(
      "output", "write the run as JSON to FILE", cxxopts::value<std::string>())(
      "data", "dataset directory (overrides data.dir)", cxxopts::value<std::string>())(
      "threads", "intra-op CPU threads (default: the usable cores, fewer when that trains faster)",
      cxxopts::value<std::string>())("cpu-kernels",
                                     "tuned|libtorch: tune's CPU kernels (default) or LibTorch's",
                                     cxxopts::value<std::string>())("h,help", "show this help");
  return o;
}

cxxopts::ParseResult parse(cxxopts::Options& options, const Args& args) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    auto result = options.parse(static_cast<int>(argv.size()), argv.data());
    if (!result.unmatched().empty())
      throw ConfigError(args[0], "unexpected argument \"" + result.unmatched().front() + "\"");
    return result;
  } catch (const cxxopts::exceptions::exception& e) {
    throw ConfigError(args[0], e.what());
  }
}

// Parsed here rather than by cxxopts so that the message names the flag.
long long parse_count(const std::string& flag, const std::string& text, long long most) {
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || n < 1 || n > most)
    throw ConfigError(
        flag, "expected an integer from 1 to " + std::to_string(most) + ", got \"" + text + "\"");
  return n;
}

std::string format_epoch(const Json& m, long long epochs) {
  auto num = [&](const char* key) { return m.at(key).is_null() ? NAN : m.at(key).get<double>(); };
  char line[256];
  std::snprintf(line, sizeof line,
                "epoch %lld/%lld  train_loss %.4f  train_acc %.4f  val_loss %.4f  val_acc %.4f  "
                "%.1fs  %.0f samples/s  lr %.3g",
                m.at("epoch").get<long long>(), epochs, num("train_loss"), num("train_accuracy"),
                num("val_loss"), num("val_accuracy"), num("seconds"), num("samples_per_second"),
                num("lr"));
  return line;
}

void write_output(const std::string& path, const Json& record) {
  try {
    write_json_file(path, record);
  } catch (const std::runtime_error& e) {
    throw ConfigError("--output", e.what());
  }
}

}  // namespace

int train_command(const Args& args) {
  cxxopts::Options options = train_options(args[0]);
  auto flags = parse(options, args);
  if (flags.count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  if (!flags.count("config")) throw ConfigError(args[0], "--config FILE is required");
  Experiment experiment = load_experiment(flags["config"].as<std::string>());
  if (flags.count("set"))
    for (const auto& s : flags["set"].as<std::vector<std::string>>()) apply_set(experiment, s);
  if (flags.count("epochs")) {
    experiment.params["epochs"] =
        parse_count("--epochs", flags["epochs"].as<std::string>(), 100000);
    experiment.flag_origins["params.epochs"] = "--epochs";
  }
  if (flags.count("data")) {
    experiment.data["dir"] = flags["data"].as<std::string>();
    experiment.flag_origins["data.dir"] = "--data";
  }
  if (flags.count("cpu-kernels")) {
    experiment.devices["cpu_kernels"] =
        checked_cpu_kernels(flags["cpu-kernels"].as<std::string>(), "--cpu-kernels");
    experiment.flag_origins["devices.cpu_kernels"] = "--cpu-kernels";
  }
  use_cpu_kernels(experiment.devices, experiment.where("devices"));
  std::string output = flags.count("output") ? flags["output"].as<std::string>() : "";
  Config config = experiment.trial_config(Json::object());

  TrialContext ctx;
  ctx.device = check_device(flags["device"].as<std::string>(), "--device");
  check_train_experiment(experiment);
  const int threads =
      flags.count("threads")
          ? static_cast<int>(parse_count("--threads", flags["threads"].as<std::string>(), 1024))
          : usable_cores();
  ctx.tune_threads = !flags.count("threads");
  auto env = enter_worker(ctx.device, threads);
  long long epochs = Hyperparameters(config, experiment.where("params")).integer("epochs", 10, 1);
  ctx.report = [epochs](const Json& m) {
    std::cerr << format_epoch(m, epochs) << std::endl;
    return Decision::Continue;
  };
  Json run = train_config(experiment, config, ctx);

  std::cerr << "stop: " << run.at("stop_reason").get<std::string>() << "  best epoch "
            << run.at("best_epoch") << " (" << run.at("monitor").get<std::string>() << " "
            << run.at("best_value") << ")";
  if (run.contains("test_accuracy")) std::cerr << "  test_accuracy " << run.at("test_accuracy");
  std::cerr << std::endl;
  if (!output.empty()) {
    Json record = {{"config", config}};
    record.update(run);
    write_output(output, record);
  }
  return 0;
}

}  // namespace tune::cli
