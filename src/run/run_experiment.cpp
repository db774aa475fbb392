#include "run/run_experiment.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <system_error>
#include <thread>

#include "common/cpu.h"
#include "common/error.h"
#include "common/hparams.h"
#include "prune/pruner.h"
#include "run/listeners.h"
#include "run/objective_factory.h"
#include "run/progress.h"
#include "run/signals.h"
#include "run/slots.h"
#include "run/worker_env.h"
#include "space/space.h"
#include "strategy/strategy.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "study/warm_start.h"
#include "train/device.h"

namespace tune {
namespace {

// Where warnings and the study line go: the log, or nowhere.
class Log {
 public:
  explicit Log(std::ostream* out) : out_(out) {}
  template <typename T>
  Log& operator<<(const T& value) {
    if (out_) *out_ << value;
    return *this;
  }

 private:
  std::ostream* out_;
};

int trial_budget(const Experiment& e, const Strategy& strategy, const Space& space, Log& log) {
  std::optional<size_t> capacity = strategy.capacity(space);
  int budget = e.trials ? *e.trials : kDefaultTrials;
  if (!e.trials && capacity) budget = static_cast<int>(std::min<size_t>(*capacity, 1000000));
  if (!e.trials && !capacity)
    log << "tune: no trial budget in the config or --trials: running " << budget << "\n";
  if (capacity && *capacity > static_cast<size_t>(budget))
    log << "tune: warning: the " << e.strategy.value("name", "random") << " strategy has "
        << *capacity << " trials to run but the budget is " << budget
        << "; the rest will not run\n";
  return budget;
}

// Reopening a study with a different experiment is allowed (the user may widen a space), but
// worth a warning: its old trials were drawn from the other one.
void record_experiment(Storage& storage, const Experiment& e, int budget, const std::string& dir,
                       Log& log) {
  const Direction direction = e.objective_spec.direction;
  if (auto previous = storage.attr(kExperimentAttr)) {
    for (const char* section : {"space", "objective", "params"})
      if (previous->value(section, Json::object()) != e.to_json().value(section, Json::object()))
        log << "tune: warning: study " << dir << " was started with a different \"" << section
            << "\"; its earlier trials are kept\n";
  } else {
    using namespace std::chrono;
    storage.set_attr(kCreatedAttr,
                     duration<double>(system_clock::now().time_since_epoch()).count());
  }
  if (auto previous = storage.attr(kDirectionAttr);
      previous && *previous != Json(to_string(direction)))
    log << "tune: warning: study " << dir << " was " << previous->get<std::string>()
        << "d before; now " << to_string(direction) << "\n";
  storage.set_attr(kExperimentAttr, e.to_json());
  storage.set_attr(kDirectionAttr, to_string(direction));
  storage.set_attr(kBudgetAttr, budget);
}

// Threads a run needs besides its workers: the deadline watcher, the study's heartbeat and
// a few for the libraries (SQLite, LibTorch), so that a run at the limit still starts.
constexpr int kSpareThreads = 8;

// More workers than the system lets this process start threads for would fail half-started.
void check_thread_limit(const Experiment& e, const DeviceOptions& devices, size_t workers) {
  const int headroom = thread_headroom();
  if (static_cast<long long>(workers) + kSpareThreads <= headroom) return;
  const std::string field = devices.cpu_workers != 0 ? "cpu_workers" : "per_device";
  const std::string most = std::to_string(std::max(0, headroom - kSpareThreads));
  throw ConfigError(e.where("devices", field),
                    std::to_string(workers) +
                        " workers need a thread each, but this process may "
                        "start only " +
                        std::to_string(headroom) +
                        " more (ulimit -u, the cgroup's "
                        "pids.max); allowed: at most " +
                        most + " workers here");
}

std::vector<Slot> worker_slots(const Experiment& e, Log& log) {
  DeviceOptions devices = DeviceOptions::from_json(e.devices, e.where("devices"));
  if (devices.gpus.empty() && devices.per_device > 1)
    log << "tune: warning: --per-device counts trials per GPU and no GPU is named (--gpus); "
           "for trials side by side on the CPU use --cpu-workers N\n";
  std::vector<Slot> slots =
      plan_slots(devices, devices.gpus.empty() ? 0 : cuda_device_count(), usable_cores());
  check_thread_limit(e, devices, slots.size());
  return slots;
}

// A system that refuses every new thread (a process or memory limit, a huge stack size) is
// found here, before the study is touched, rather than when its heartbeat starts.
void check_threads_start() {
  try {
    std::thread([] {}).join();
  } catch (const std::system_error& e) {
    throw ConfigError("workers", std::string("the system refuses to start a thread (") + e.what() +
                                     "); allowed: a higher limit on processes, "
                                     "memory or a smaller stack size (ulimit -u, -v, -s)");
  }
}

void check_run_options(const ExperimentRunOptions& options) {
  if (!(options.stale_after >= kMinStaleAfter && options.stale_after <= kMaxStaleAfter))
    throw ConfigError("--stale-after",
                      "must be in [" + std::to_string(static_cast<long long>(kMinStaleAfter)) +
                          ", " + std::to_string(static_cast<long long>(kMaxStaleAfter)) +
                          "] seconds (a second to a week), got " +
                          Json(options.stale_after).dump());
  if (options.max_failures < 0 || options.max_failures > kMaxFailuresCap)
    throw ConfigError("--max-failures", "must be in [0, " + std::to_string(kMaxFailuresCap) +
                                            "] (0: never stop), got " +
                                            std::to_string(options.max_failures));
}

// "4 workers (4 on cuda:0), fused groups of up to 8"; fusing is named only where it happens.
std::string describe_slots(const std::vector<Slot>& slots, bool can_fuse) {
  std::map<std::string, int> per_device;
  for (const auto& s : slots) ++per_device[s.device];
  std::string out;
  for (const auto& [device, n] : per_device)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " on " + device;
  int fuse = 1;
  if (can_fuse)
    for (const auto& s : slots) fuse = std::max(fuse, s.fuse);
  return std::to_string(slots.size()) + (slots.size() == 1 ? " worker (" : " workers (") + out +
         ")" + (fuse > 1 ? ", fused groups of up to " + std::to_string(fuse) : "");
}

std::string worker_name(int slot) {
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid()) + "/" + std::to_string(slot);
}

std::shared_ptr<const Pruner> experiment_pruner(const Experiment& e) {
  if (e.pruner.empty()) return nullptr;
  const std::string where = e.where("pruner");
  if (!e.pruner.contains("name") || !e.pruner["name"].is_string())
    throw ConfigError(where + ".name", "expected a pruner name; allowed: " + join(pruner_names()));
  return make_pruner(e.pruner["name"].get<std::string>(), e.pruner, where);
}

// Seeds a new study from `old` (--warm-start) and records how many trials it copied, so that
// every later run of the study adds them to its budget of new trials.
void seed_study(Storage& old, Storage& storage, const Space& space, const std::string& old_dir,
                const std::string& dir, Log& log) {
  WarmStartResult warm = warm_start(old, storage, space, old_dir, dir, "--warm-start");
  storage.set_attr(kWarmStartAttr, warm.copied);
  log << "tune: warm start: " << warm.copied << " of " << warm.complete << " complete trials of "
      << old_dir << " fall inside the new space\n";
}

// The budget of new trials plus the trials a warm start copied into the study.
int budget_with_warm_start(Storage& storage, int budget) {
  std::optional<Json> copied = storage.attr(kWarmStartAttr);
  if (!copied || !copied->is_number_integer()) return budget;
  return budget + std::max(0, copied->get<int>());
}

}  // namespace

ExperimentRun run_experiment(const Experiment& e, const ExperimentRunOptions& options) {
  // Everything is checked before the study is touched; what the checks have to say waits
  // in `early` until all of them passed.
  std::ostringstream early;
  Log early_log(options.log ? &early : nullptr);
  for (const auto& note : options.notes) early_log << "tune: " << note << "\n";
  check_run_options(options);
  Space space = Space::from_json(e.space, e.where("space"));
  std::string strategy_name = e.strategy.value("name", "random");
  std::unique_ptr<Strategy> strategy =
      make_strategy(strategy_name, e.strategy, e.where("strategy"));
  strategy->prepare(space, e);
  std::shared_ptr<const Pruner> pruner = experiment_pruner(e);
  const ObjectiveSpec& objective_spec = e.objective_spec;
  int budget = trial_budget(e, *strategy, space, early_log);
  std::vector<Slot> slots = worker_slots(e, early_log);
  use_cpu_kernels(e.devices, e.where("devices"));
  check_threads_start();
  // One objective for all workers (it is thread-safe), so they share one dataset cache: the
  // data is read once and placed once per device.
  const std::string study_dir = options.study_dir.empty() ? "studies/" + e.name : options.study_dir;
  std::shared_ptr<Objective> objective = options.objective;
  if (!objective) objective = make_objective(e, false, study_dir);
  Log log(options.log);
  log << early.str();

  ExperimentRun run;
  run.study_dir = study_dir;
  run.budget = budget;
  run.workers = static_cast<int>(slots.size());
  const bool storage_flag = !options.storage.empty();
  const std::string storage_url = storage_flag ? options.storage : e.storage;
  std::unique_ptr<Storage> old_study;
  if (!options.warm_start.empty())
    old_study = open_existing_study(options.warm_start, "--warm-start");
  std::shared_ptr<Storage> storage =
      open_study_dir(run.study_dir, storage_url, storage_flag ? "--storage" : e.where("storage"),
                     options.storage_retry);
  if (old_study) seed_study(*old_study, *storage, space, options.warm_start, run.study_dir, log);
  budget = run.budget = budget_with_warm_start(*storage, budget);
  record_experiment(*storage, e, budget, run.study_dir, log);

  StudyOptions study_options;
  study_options.trials = budget;
  study_options.seed = e.seed;
  study_options.direction = objective_spec.direction;
  study_options.base_params = e.params;
  study_options.stale_after = options.stale_after;
  study_options.metric = objective_spec.monitor;
  study_options.pruner = pruner;
  Study study(storage, std::move(space), std::move(strategy), study_options);
  if (study.stale_failed_at_open() > 0)
    log << "tune: " << study.stale_failed_at_open()
        << " trial(s) left running by a process that died were marked failed\n";
  const int done_before = study.budget_used();
  const std::string pruner_name = pruner ? ", pruner " + e.pruner["name"].get<std::string>() : "";
  log << "tune: study " << describe_study(run.study_dir, storage_url) << " (" << strategy_name
      << pruner_name << ", " << to_string(objective_spec.direction) << " " << objective_spec.monitor
      << "): " << done_before << " of " << budget << " trials done or running; "
      << describe_slots(slots, objective->can_fuse()) << "\n";

  RunControl own_control;
  RunControl& control = options.control ? *options.control : own_control;
  control.max_consecutive_failures = options.max_failures;
  if (e.timeout) control.set_timeout(*e.timeout);
  control.stop_trials_at_deadline = e.on_timeout == "stop";

  RunOptions run_options;
  std::optional<Progress> progress;
  std::optional<ProgressListener> progress_listener;
  std::optional<LeaderboardListener> leaderboard;
  BestFileListener best_file(study, study_best_path(run.study_dir));
  if (options.log) {
    Progress::Options p;
    p.interactive = options.interactive;
    p.total = budget;
    p.done_before = done_before;
    p.direction = objective_spec.direction;
    p.metric = objective_spec.monitor;
    progress.emplace(*options.log, static_cast<int>(slots.size()), p);
    auto best = study.best();
    progress_listener.emplace(*progress, objective_spec.direction,
                              best ? best->value : std::optional<double>());
    run_options.listeners.push_back(&*progress_listener);
    best_file.set_warnings(&*progress_listener);
  }
  run_options.listeners.push_back(&best_file);
  std::optional<BestWeightsListener> best_weights;
  if (objective_spec.keep_best_weights && !options.objective) {
    best_weights.emplace(study, run.study_dir);
    run_options.listeners.push_back(&*best_weights);
  }
  std::optional<CheckpointListener> checkpoints;
  if (!options.objective) {
    checkpoints.emplace(study, run.study_dir);
    run_options.listeners.push_back(&*checkpoints);
  }
  for (RunListener* l : options.listeners) run_options.listeners.push_back(l);
  if (options.log) {
    leaderboard.emplace(study, *options.log);
    run_options.listeners.push_back(&*leaderboard);
  }
  run_options.enter_worker = [](const WorkerSpec& w) -> std::shared_ptr<void> {
    return enter_worker(w.device, w.threads);
  };
  run_options.after_failure = [](const WorkerSpec& w) { release_cached_memory(w.device); };

  std::vector<WorkerSpec> workers;
  for (const auto& s : slots) {
    const bool fixed = options.threads > 0 && s.device == "cpu";
    workers.push_back({s.index, s.device, worker_name(s.index), fixed ? options.threads : s.threads,
                       !fixed, s.fuse});
  }
  std::optional<InterruptScope> interrupts;
  if (options.handle_signals) interrupts.emplace(control);
  run.summary = run_study(
      study, workers, [&](const WorkerSpec&) { return objective; }, control, run_options);
  // Rows that could not be read were skipped (storage.h); say so once, naming file and trial.
  for (const std::string& warning : storage->warnings())
    log << "tune: warning: " << warning << "\n";
  if (study.best() && options.log)
    log << "tune: best config in " << study_best_path(run.study_dir) << "\n";
  return run;
}

}  // namespace tune
