#pragma once
// The library's entry point for running a study: `run_experiment(experiment, options)` checks
// everything before anything runs (space, strategy, pruner, objective, devices), opens or
// resumes the study directory, plans worker slots over the devices, gives each worker its
// device, stream and thread share, runs trials until the budget, the strategy, the timeout,
// the failure cap or a stop ends it, and tells the listeners (progress board, best.json,
// leaderboard, and any the caller adds). The CLI, the benchmarks and the tests all run
// studies through it.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "objective/objective.h"
#include "run/listener.h"
#include "run/run_loop.h"
#include "store/storage.h"

namespace tune {

// Range of ExperimentRunOptions::stale_after (--stale-after), in seconds. A heartbeat is
// written every min(5, stale_after / 4) seconds; below a second a busy machine can miss
// enough of them that live trials are declared dead and their results thrown away. Above a
// week a crashed process's trials would hold their budget for good.
inline constexpr double kMinStaleAfter = 1;
inline constexpr double kMaxStaleAfter = 7 * 86400;
// The largest ExperimentRunOptions::max_failures (--max-failures).
inline constexpr int kMaxFailuresCap = 1000000;

struct ExperimentRunOptions {
  std::string study_dir;  // "" : studies/<experiment name>
  // Where the trials live (store/storage_url.h), over the experiment's "storage": "" for
  // study_dir/study.db; a PostgreSQL URL shares the study named after study_dir's last
  // component with every host given the same URL.
  std::string storage;
  // An old study directory whose complete trials inside the new space seed this study before
  // its first trial (study/warm_start.h); only into a study with no trials. They do not spend
  // the budget: it counts new trials, and the study's budget grows by the trials copied.
  std::string warm_start;
  // How long a worker that loses the storage's server retries before giving up (PostgreSQL).
  double storage_retry = kDefaultStorageRetrySeconds;
  double stale_after = 30;  // seconds without a heartbeat before another process's trial is dead
  int max_failures = 5;     // failed trials in a row that stop the study (0: never)
  // Human output: the study line, the progress board, the leaderboard. nullptr: silent.
  // Nothing is written to it until everything is checked: a refused run says only why.
  std::ostream* log = nullptr;
  std::vector<std::string> notes;  // the caller's (how flags changed the experiment), for the log
  bool interactive = false;        // redraw the progress block in place (a terminal)
  bool handle_signals = false;     // Ctrl-C and SIGTERM drive the run (see run/signals.h)
  // Runs this objective instead of the experiment's (a warm one in a benchmark, a fake one in a
  // test); it must be safe to share between the workers.
  std::shared_ptr<Objective> objective;
  // Intra-op threads of each CPU worker. 0: its share of the usable cores (affinity and cgroup
  // quota, divided among the workers), and each trial measures whether fewer train faster.
  // N: exactly N, never tuned.
  int threads = 0;
  std::vector<RunListener*> listeners;  // told of trial events besides the built-in ones
  RunControl* control = nullptr;        // optional: the caller's, to stop the run from outside
};

struct ExperimentRun {
  RunSummary summary;
  std::string study_dir;
  int budget = 0;   // the study's trial budget
  int workers = 0;  // worker slots that ran
};

// ConfigError (exit 2 at the CLI) for anything wrong before a trial runs; the study is then
// left untouched. Also ConfigError when the system refuses a worker thread (run_study); the
// study is then opened but no trial has run.
ExperimentRun run_experiment(const Experiment& experiment, const ExperimentRunOptions& options);

// The budget a study gets without --trials or "trials": a grid's size, else this.
inline constexpr int kDefaultTrials = 10;

}  // namespace tune
