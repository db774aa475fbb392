#pragma once
// The worker loop every runner shares: ask, run the objective, tell; until the budget, the
// strategy, the study's timeout, the failure cap or a stop request ends it. `run_worker` is
// what one worker (a thread on one device slot) runs; `run_study` runs a set of them.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "objective/objective.h"
#include "run/listener.h"
#include "study/study.h"

namespace tune {

// Shared by every worker of a run; the CLI's signal handler may call `interrupt`.
class RunControl {
 public:
  // Why a run ended, most urgent last: a later reason never overrides an earlier one
  // except that an interrupt always wins.
  enum class Reason { None, BudgetSpent, StrategyDone, Timeout, TooManyFailures, Interrupted };

  // Async-signal-safe (only lock-free atomics): stops handing out trials; running ones finish
  // and are recorded as usual (Ctrl-C once).
  void interrupt();
  // Async-signal-safe: remembers the signal that interrupted the run, for the exit status
  // (128 + signal). SIGTERM wins over SIGINT: a scheduler's stop is what the run ended with.
  void note_signal(int signal);
  int signal() const { return signal_.load(); }  // 0: no signal
  // Stops handing out trials; running ones finish. The first reason is kept.
  void stop(Reason reason, const std::string& detail = "");
  // Async-signal-safe: asks running trials to stop (TrialContext::stop); each is recorded as
  // failed, with why (Ctrl-C twice, the timeout with stop_trials_at_deadline).
  void stop_trials() { stop_trials_.store(true); }
  bool trials_stopped() const { return stop_trials_.load(); }

  bool stopping() const { return stop_asking_.load() || interrupted_.load(); }
  bool interrupted() const { return interrupted_.load(); }
  const std::atomic<bool>* trial_stop_flag() const { return &stop_trials_; }
  Reason reason() const;
  std::string detail() const;

  // Stop asking once this instant passes (the study's --timeout); with
  // stop_trials_at_deadline the trials running then are stopped too (else they finish).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool stop_trials_at_deadline = false;
  // Sets the deadline `seconds` from now.
  void set_timeout(double seconds);
  // Stops the run (and its trials, if so told) once the deadline has passed; true then.
  bool check_deadline();
  // Stop after this many failed trials in a row across all workers (0: never).
  int max_consecutive_failures = 5;

  // Called by workers with each outcome; trips the failure cap.
  void record_outcome(bool failed, const std::string& error);

 private:
  std::atomic<bool> stop_asking_{false};
  std::atomic<bool> stop_trials_{false};
  std::atomic<bool> interrupted_{false};
  std::atomic<int> signal_{0};
  mutable std::mutex mutex_;
  Reason reason_ = Reason::None;
  std::string detail_;
  int consecutive_failures_ = 0;
};

std::string to_string(RunControl::Reason reason);

struct WorkerSpec {
  int slot = 0;                // index for progress display
  std::string device = "cpu";  // passed to the objective
  std::string name;            // recorded as the trial's worker ("host:pid/slot")
  int threads = 0;             // intra-op CPU threads for its trials (0: leave as is)
  bool tune_threads = true;    // trials may use fewer when that is faster (TrialContext)
  // The largest fused group (--fuse): with more than 1 and an objective that can fuse, the
  // worker asks for this many trials at once and runs those that can share a group as one;
  // each trial is still recorded on its own, with "fused_group": {"id", "size"} in its summary.
  int fuse = 1;
};

struct RunOptions {
  // Told of every trial event, in this order (not owned).
  std::vector<RunListener*> listeners;
  // Optional: called on each worker's own thread before its first trial (its device, stream
  // and thread share); the handle it returns is released when the worker ends.
  std::function<std::shared_ptr<void>(const WorkerSpec&)> enter_worker;
  // Optional: called on the worker's thread after each failed trial, before the next one
  // (frees cached device memory an out-of-memory trial left behind).
  std::function<void(const WorkerSpec&)> after_failure;
};

struct WorkerStats {
  int complete = 0, failed = 0, pruned = 0;
  int lost = 0;  // finished here but refused by storage (marked stale by another process)
};

// Runs trials on the calling thread until told to stop. Everything the objective throws is
// recorded as the trial's failure; errors of the study itself (storage) propagate.
WorkerStats run_worker(Study& study, Objective& objective, const WorkerSpec& worker,
                       RunControl& control, const RunOptions& options);

// One objective per worker; a factory may hand every worker the same thread-safe objective
// (so that they share its dataset cache).
using ObjectiveFactory = std::function<std::shared_ptr<Objective>(const WorkerSpec&)>;

struct RunSummary {
  WorkerStats totals;
  RunControl::Reason reason = RunControl::Reason::None;
  std::string detail;  // e.g. the last error when failures stopped the run
  int signal = 0;      // the signal that interrupted the run (SIGINT, SIGTERM), 0 if none
};

// One objective per worker (from `make_objective`); a single worker runs on the calling
// thread, more run on threads of their own. The deadline is watched while trials run. If a
// worker hits a study error the others are stopped and the error rethrown after all have
// joined; trials still running then are marked failed.
RunSummary run_study(Study& study, const std::vector<WorkerSpec>& workers,
                     const ObjectiveFactory& make_objective, RunControl& control,
                     const RunOptions& options);

}  // namespace tune
