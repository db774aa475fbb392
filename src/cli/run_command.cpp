// tune [run]: runs (or resumes) a study from an experiment file. Flags override the file.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "cli/objective_factory.h"
#include "cli/study_cli.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/hparams.h"
#include "sched/progress.h"
#include "sched/slots.h"
#include "space/space.h"
#include "strategy/strategy.h"
#include "study/leaderboard.h"
#include "study/run_loop.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "train/device.h"
#include "train/worker_env.h"

namespace tune::cli {
namespace {

const char* const kDefaultConfig = "configs/fashion_mlp.json";
const int kDefaultTrials = 10;

// The run being interrupted by Ctrl-C. A signal handler can reach nothing else; it is set
// only while run_study runs.
std::atomic<RunControl*> g_interruptible{nullptr};

void say(const char* line) {  // async-signal-safe
  ssize_t ignored = write(STDERR_FILENO, line, strlen(line));
  (void)ignored;
}

// First Ctrl-C: no new trials, running ones finish. Second: running trials are stopped and
// recorded as failed. Third: exit now (trials left running are failed as stale on the next
// open of the study).
extern "C" void on_interrupt(int) {
  RunControl* control = g_interruptible.load();
  if (control && !control->interrupted()) {
    control->interrupt();
    say("\ntune: stopping: no new trials; running ones finish (Ctrl-C again to stop them)\n");
    return;
  }
  if (control && !control->trials_stopped()) {
    control->stop_trials();
    say("\ntune: stopping the running trials; they are recorded as failed\n");
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

// SIGTERM (a scheduler or `kill` ending the job): stop at once, recording running trials as
// failed ("interrupted"). A second one exits without waiting.
extern "C" void on_terminate(int) {
  RunControl* control = g_interruptible.load();
  if (control && !control->trials_stopped()) {
    control->interrupt();
    control->stop_trials();
    say("\ntune: terminated: stopping the running trials; they are recorded as failed\n");
    return;
  }
  std::signal(SIGTERM, SIG_DFL);
  std::raise(SIGTERM);
}

// Installs the handler for the lifetime of a run and restores the previous one after.
class InterruptScope {
 public:
  explicit InterruptScope(RunControl& control) {
    g_interruptible.store(&control);
    previous_int_ = std::signal(SIGINT, on_interrupt);
    previous_term_ = std::signal(SIGTERM, on_terminate);
  }
  ~InterruptScope() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
    g_interruptible.store(nullptr);
  }

 private:
  void (*previous_int_)(int) = SIG_DFL;
  void (*previous_term_)(int) = SIG_DFL;
};

cxxopts::Options run_options(const std::string& name) {
  cxxopts::Options options(name, "Runs or resumes a study. Flags override the config file.");
  options.add_options()(
      "config", "experiment JSON file (default " + std::string(kDefaultConfig) + " when it exists)",
      cxxopts::value<std::string>())("strategy", "search strategy: " + join(strategy_names()),
                                     cxxopts::value<std::string>())(
      "trials", "total trials of the study, across resumes", cxxopts::value<int>())(
      "seed", "seed of the strategy", cxxopts::value<uint64_t>())(
      "study", "study directory (default studies/<experiment name>)",
      cxxopts::value<std::string>())("timeout", "stop handing out trials after SECONDS",
                                     cxxopts::value<double>())(
      "on-timeout", "what running trials do at the timeout: finish (default) or stop",
      cxxopts::value<std::string>())("gpus",
                                     "GPUs to run trials on: 0,1 or all (config: devices.gpus)",
                                     cxxopts::value<std::string>())(
      "per-device", "trials at once on each GPU (default 1)", cxxopts::value<int>())(
      "cpu-workers", "trials at once on the CPU, splitting its cores (default 1 without --gpus)",
      cxxopts::value<int>())(
      "retry-oom", "retry a trial that ran out of GPU memory once with half its batch size")(
      "data", "dataset directory (overrides data.dir)", cxxopts::value<std::string>())(
      "stale-after", "seconds without a heartbeat before another process's trial is dead",
      cxxopts::value<double>()->default_value("30"))(
      "max-failures", "stop after this many failed trials in a row (0: never)",
      cxxopts::value<int>()->default_value("5"))("h,help", "show this help");
  options.custom_help("[--config FILE] [options] [--set name=value ...]");
  return options;
}

std::string config_path(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (parsed.count("config")) return parsed["config"].as<std::string>();
  if (std::filesystem::is_regular_file(kDefaultConfig)) return kDefaultConfig;
  throw ConfigError(command, "no --config given and no " + std::string(kDefaultConfig) +
                                 " in the current directory");
}

// Flags override the file. `--set name=value` fixes a param; a searched one leaves the space.
void apply_overrides(Experiment& e, const cxxopts::ParseResult& parsed,
                     const std::vector<std::string>& sets) {
  if (parsed.count("strategy")) {
    std::string name = parsed["strategy"].as<std::string>();
    if (e.strategy.value("name", "") != name) e.strategy = Json{{"name", name}};
  }
  if (parsed.count("trials")) {
    int trials = parsed["trials"].as<int>();
    if (trials < 1)
      throw ConfigError("--trials", "must be at least 1, got " + std::to_string(trials));
    e.trials = trials;
  }
  if (parsed.count("seed")) e.seed = parsed["seed"].as<uint64_t>();
  if (parsed.count("data")) e.data["dir"] = parsed["data"].as<std::string>();
  if (parsed.count("timeout")) {
    double timeout = parsed["timeout"].as<double>();
    if (!(timeout > 0)) throw ConfigError("--timeout", "must be a positive number of seconds");
    e.timeout = timeout;
  }
  if (parsed.count("on-timeout")) {
    e.on_timeout = parsed["on-timeout"].as<std::string>();
    const auto& allowed = on_timeout_choices();
    if (std::find(allowed.begin(), allowed.end(), e.on_timeout) == allowed.end())
      throw ConfigError("--on-timeout",
                        "expected one of " + join(allowed) + ", got \"" + e.on_timeout + "\"");
  }
  if (parsed.count("retry-oom") && is_command_objective(e))
    throw ConfigError("--retry-oom", "applies to training objectives; " + e.where("objective") +
                                         " runs a command");
  for (const auto& assignment : sets) {
    apply_set(e.params, assignment);
    std::string name = assignment.substr(0, assignment.find('='));
    if (e.space.contains(name)) {
      e.space.erase(name);
      std::cerr << "tune: --set " << name << " fixes a searched parameter; it is not searched\n";
    }
  }
}

// Reopening a study with a different experiment is allowed (the user may widen a space), but
// worth a warning: its old trials were drawn from the other one.
void record_experiment(Storage& storage, const Experiment& e, Direction direction, int budget,
                       const std::string& dir) {
  if (auto previous = storage.attr(kExperimentAttr)) {
    for (const char* section : {"space", "objective", "params"})
      if (previous->value(section, Json::object()) != e.to_json().value(section, Json::object()))
        std::cerr << "tune: warning: study " << dir << " was started with a different \"" << section
                  << "\"; its earlier trials are kept\n";
  } else {
    using namespace std::chrono;
    storage.set_attr(kCreatedAttr,
                     duration<double>(system_clock::now().time_since_epoch()).count());
  }
  if (auto previous = storage.attr(kDirectionAttr);
      previous && *previous != Json(to_string(direction)))
    std::cerr << "tune: warning: study " << dir << " was " << previous->get<std::string>()
              << "d before; now " << to_string(direction) << "\n";
  storage.set_attr(kExperimentAttr, e.to_json());
  storage.set_attr(kDirectionAttr, to_string(direction));
  storage.set_attr(kBudgetAttr, budget);
}

int trial_budget(const Experiment& e, const Strategy& strategy, const Space& space) {
  std::optional<size_t> capacity = strategy.capacity(space);
  int budget = e.trials ? *e.trials : kDefaultTrials;
  if (!e.trials && capacity) budget = static_cast<int>(std::min<size_t>(*capacity, 1000000));
  if (!e.trials && !capacity)
    std::cerr << "tune: no trial budget in the config or --trials: running " << budget << "\n";
  if (capacity && *capacity > static_cast<size_t>(budget))
    std::cerr << "tune: warning: the grid has " << *capacity << " configs but the budget is "
              << budget << " trials; the rest will not run\n";
  return budget;
}

std::string worker_name(int slot) {
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + "/" + std::to_string(slot);
}

// The worker slots: the config's "devices" with the flags on top, checked against this
// machine before any trial starts.
std::vector<Slot> worker_slots(const Experiment& e, const cxxopts::ParseResult& parsed) {
  DeviceOptions devices = DeviceOptions::from_json(e.devices, e.where("devices"));
  if (parsed.count("gpus")) devices.gpus = parsed["gpus"].as<std::string>();
  if (parsed.count("per-device")) devices.per_device = parsed["per-device"].as<int>();
  if (parsed.count("cpu-workers")) devices.cpu_workers = parsed["cpu-workers"].as<int>();
  if (devices.gpus.empty() && devices.per_device > 1)
    std::cerr << "tune: warning: --per-device counts trials per GPU and no GPU is named (--gpus); "
                 "for trials side by side on the CPU use --cpu-workers N\n";
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return plan_slots(devices, devices.gpus.empty() ? 0 : cuda_device_count(), cores);
}

std::string describe_slots(const std::vector<Slot>& slots) {
  std::map<std::string, int> per_device;
  for (const auto& s : slots) ++per_device[s.device];
  std::string out;
  for (const auto& [device, n] : per_device)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " on " + device;
  return std::to_string(slots.size()) + (slots.size() == 1 ? " worker (" : " workers (") + out +
         ")";
}

int exit_code(const RunSummary& summary) {
  switch (summary.reason) {
    case RunControl::Reason::Interrupted:
      return 130;
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
  apply_overrides(e, parsed, sets);
  double stale_after = parsed["stale-after"].as<double>();
  if (!(stale_after > 0))
    throw ConfigError("--stale-after", "must be a positive number of seconds");

  Space space = Space::from_json(e.space, e.where("space"));
  std::string strategy_name = e.strategy.value("name", "random");
  std::unique_ptr<Strategy> strategy =
      make_strategy(strategy_name, e.strategy, e.where("strategy"));
  Direction direction = objective_direction(e);
  int budget = trial_budget(e, *strategy, space);
  std::vector<Slot> slots = worker_slots(e, parsed);
  // One objective for all workers (it is thread-safe), so they share one dataset cache: the
  // data is read once and placed once per device. A bad objective section fails here, before
  // the study is touched.
  std::shared_ptr<Objective> objective = make_objective(e, parsed.count("retry-oom") > 0);

  std::string dir = parsed.count("study") ? parsed["study"].as<std::string>() : "studies/" + e.name;
  std::shared_ptr<Storage> storage = open_study_dir(dir);
  record_experiment(*storage, e, direction, budget, dir);

  StudyOptions study_options;
  study_options.trials = budget;
  study_options.seed = e.seed;
  study_options.direction = direction;
  study_options.base_params = e.params;
  study_options.stale_after = stale_after;
  Study study(storage, std::move(space), std::move(strategy), study_options);
  if (study.stale_failed_at_open() > 0)
    std::cerr << "tune: " << study.stale_failed_at_open()
              << " trial(s) left running by a process that died were marked failed\n";
  auto before = study.trials();
  int done_before = budget_used(before);
  std::cerr << "tune: study " << dir << " (" << strategy_name << ", " << to_string(direction) << " "
            << objective_metric(e) << "): " << done_before << " of " << budget
            << " trials done or running; " << describe_slots(slots) << "\n";

  Progress::Options progress_options;
  progress_options.interactive = isatty(STDERR_FILENO);
  progress_options.total = budget;
  progress_options.done_before = done_before;
  progress_options.direction = direction;
  progress_options.metric = objective_metric(e);
  Progress progress(std::cerr, static_cast<int>(slots.size()), progress_options);

  RunControl control;
  control.max_consecutive_failures = parsed["max-failures"].as<int>();
  if (e.timeout) control.set_timeout(*e.timeout);
  control.stop_trials_at_deadline = e.on_timeout == "stop";
  RunOptions run_options;
  run_options.progress = &progress;
  run_options.best_path = study_best_path(dir);
  run_options.enter_worker = [](const WorkerSpec& w) -> std::shared_ptr<void> {
    return enter_worker(w.device, w.threads);
  };
  run_options.after_failure = [](const WorkerSpec& w) { release_cached_memory(w.device); };
  std::vector<WorkerSpec> workers;
  for (const auto& s : slots)
    workers.push_back({s.index, s.device, worker_name(s.index), s.threads});
  RunSummary summary;
  {
    InterruptScope interrupts(control);
    summary = run_study(
        study, workers, [&](const WorkerSpec&) { return objective; }, control, run_options);
  }
  progress.close();

  std::cerr << "\n" << format_leaderboard(study.trials(), direction, 5);
  std::cerr << "tune: stopped: " << to_string(summary.reason)
            << (summary.detail.empty() ? "" : " (" + summary.detail + ")") << "\n";
  if (study.best()) std::cerr << "tune: best config in " << run_options.best_path << "\n";
  return exit_code(summary);
}

}  // namespace tune::cli
