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

namespace tune {

struct ExperimentRunOptions {
  std::string study_dir;    // "" : studies/<experiment name>
  double stale_after = 30;  // seconds without a heartbeat before another process's trial is dead
  int max_failures = 5;     // failed trials in a row that stop the study (0: never)
  // Human output: the study line, the progress board, the leaderboard. nullptr: silent.
  std::ostream* log = nullptr;
  bool interactive = false;     // redraw the progress block in place (a terminal)
  bool handle_signals = false;  // Ctrl-C and SIGTERM drive the run (see run/signals.h)
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
// left untouched.
ExperimentRun run_experiment(const Experiment& experiment, const ExperimentRunOptions& options);

// The budget a study gets without --trials or "trials": a grid's size, else this.
inline constexpr int kDefaultTrials = 10;

}  // namespace tune
