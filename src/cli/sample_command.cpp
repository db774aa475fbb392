// tune sample --config FILE --n N [--seed S] [--strategy NAME]: the configs a strategy
// would propose (for bayes, its initial design: nothing has been observed), one JSON object per
// line on stdout, without training. Only the sampled parameters are printed (a trial runs the
// experiment's "params" overlaid with them), so the output shows the space itself.
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/hparams.h"
#include "space/space.h"
#include "strategy/preview.h"
#include "strategy/strategy.h"

namespace tune::cli {
namespace {

// cxxopts reads one-letter names as short options only, so `--n N` (the documented form)
// becomes `--count N`.
Args long_n_as_count(Args args) {
  for (std::string& a : args) {
    if (a == "--n") a = "--count";
    if (a.rfind("--n=", 0) == 0) a = "--count=" + a.substr(4);
  }
  return args;
}

// The config's strategy options when it names the same strategy, else just the name.
Json strategy_options(const Experiment& experiment, const std::string& name) {
  if (experiment.strategy.value("name", std::string()) == name) return experiment.strategy;
  return Json{{"name", name}};
}

}  // namespace

int sample_command(const Args& args) {
  cxxopts::Options options(args[0],
                           "Prints N configs sampled from an experiment's space as JSON lines "
                           "(only the searched parameters; trials add the fixed \"params\"), "
                           "without training.");
  options.add_options()("config", "experiment file (JSON)", cxxopts::value<std::string>())(
      "n,count", "number of configs (--n N)", cxxopts::value<int>()->default_value("10"))(
      "seed", "seed (default: the experiment's)", cxxopts::value<uint64_t>())(
      "strategy", "search strategy: " + join(strategy_names()),
      cxxopts::value<std::string>()->default_value("random"))("h,help", "show this help");
  auto parsed = parse_options(options, long_n_as_count(args));
  if (parsed.count("help")) {
    std::cout << options.help();
    return 0;
  }
  if (!parsed.count("config")) throw ConfigError(args[0], "--config FILE is required");
  const int n = parsed["count"].as<int>();
  if (n < 1) throw ConfigError(args[0] + " --n", "expected a count >= 1, got " + std::to_string(n));
  Experiment experiment = load_experiment(parsed["config"].as<std::string>());
  Space space = Space::from_json(experiment.space, experiment.where("space"));
  const std::string name = parsed["strategy"].as<std::string>();
  auto strategy =
      make_strategy(name, strategy_options(experiment, name), experiment.where("strategy"));
  strategy->prepare(space, experiment);
  uint64_t seed = parsed.count("seed") ? parsed["seed"].as<uint64_t>() : experiment.seed;
  std::vector<Config> configs = preview_configs(*strategy, space, n, seed);
  for (const Config& c : configs) std::cout << c.dump() << "\n";
  const std::optional<size_t> capacity = strategy->capacity(space);
  if (static_cast<int>(configs.size()) < n)
    std::cerr << "tune sample: the " << name << " strategy offers only " << configs.size()
              << (configs.size() == 1 ? " config" : " configs")
              << (capacity && *capacity > configs.size() ? " before the trials it proposed have run"
                                                         : " in this space")
              << "\n";
  return 0;
}

}  // namespace tune::cli
