#include "run/run_loop.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "common/error.h"

namespace tune {

void RunControl::interrupt() {
  interrupted_.store(true);
  stop_asking_.store(true);
}

void RunControl::note_signal(int signal) {
  int none = 0;
  if (signal == SIGTERM)
    signal_.store(signal);
  else
    signal_.compare_exchange_strong(none, signal);
}

void RunControl::set_timeout(double seconds) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  // Converting a huge (or infinite) number of seconds to clock ticks overflows into the past,
  // which would end the run at once: anything beyond half of what the clock can still hold
  // (a margin for rounding; centuries) never comes.
  const double room = std::chrono::duration<double>(Clock::time_point::max() - now).count() / 2;
  if (!(seconds < room)) {
    deadline = seconds > 0 ? Clock::time_point::max() : now;
    return;
  }
  deadline = now + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(std::max(0.0, seconds)));
}

bool RunControl::check_deadline() {
  if (!deadline || std::chrono::steady_clock::now() < *deadline) return false;
  stop(Reason::Timeout);
  if (stop_trials_at_deadline) stop_trials();
  return true;
}

void RunControl::stop(Reason reason, const std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reason_ == Reason::None) {
      reason_ = reason;
      detail_ = detail;
    }
  }
  stop_asking_.store(true);
}

RunControl::Reason RunControl::reason() const {
  if (interrupted_.load()) return Reason::Interrupted;
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

std::string RunControl::detail() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return detail_;
}

void RunControl::record_outcome(bool failed, const std::string& error) {
  int in_a_row = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    consecutive_failures_ = failed ? consecutive_failures_ + 1 : 0;
    in_a_row = consecutive_failures_;
  }
  if (failed && max_consecutive_failures > 0 && in_a_row >= max_consecutive_failures)
    stop(Reason::TooManyFailures,
         std::to_string(in_a_row) + " trials failed in a row; the last error: " + error);
}

std::string to_string(RunControl::Reason reason) {
  switch (reason) {
    case RunControl::Reason::None:
      return "stopped";
    case RunControl::Reason::BudgetSpent:
      return "the trial budget is spent";
    case RunControl::Reason::StrategyDone:
      return "the strategy has no more configs";
    case RunControl::Reason::Timeout:
      return "the study timeout passed";
    case RunControl::Reason::TooManyFailures:
      return "too many trials failed in a row";
    case RunControl::Reason::Interrupted:
      return "interrupted";
  }
  return "stopped";
}

namespace {

using Clock = std::chrono::steady_clock;

bool past_deadline(const RunControl& control) {
  return control.deadline && Clock::now() >= *control.deadline;
}

// Sleeps up to `seconds`, waking early when the run is stopping or the deadline passes.
void pause(double seconds, const RunControl& control) {
  auto until = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until && !control.stopping() && !past_deadline(control))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

struct Outcome {
  TrialState state = TrialState::Failed;
  std::optional<double> value;  // set: complete
  std::string error;            // failed: why
  bool stopped = false;         // the run stopped it (not the trial's own failure)
  Json summary = Json::object();
};

std::string stop_cause(const RunControl& control) {
  if (control.interrupted()) return kInterruptedError;
  if (control.reason() == RunControl::Reason::Timeout) return kTimeoutStoppedError;
  return "stopped: " + to_string(control.reason());
}

template <typename Event>
void notify(const RunOptions& options, Event event) {
  for (RunListener* listener : options.listeners) event(*listener);
}

// A trial's context: its reports go to the study (and the pruner) and to the listeners;
// `epochs` counts them.
TrialContext trial_context(Study& study, const ActiveTrial& trial, const WorkerSpec& worker,
                           const RunControl& control, const RunOptions& options, int& epochs) {
  TrialContext ctx;
  ctx.number = trial.number;
  ctx.device = trial.device;
  ctx.stop = control.trial_stop_flag();
  ctx.tune_threads = worker.tune_threads;
  const int number = trial.number;
  ctx.report = [&study, &worker, &options, &epochs, number](const Json& metrics) {
    ++epochs;
    Decision decision = study.report(number, metrics);
    notify(options, [&](RunListener& l) { l.epoch(worker, number, metrics, decision); });
    return decision;
  };
  return ctx;
}

Outcome outcome_of(const ObjectiveResult& result) {
  Outcome out;
  out.summary = result.summary;
  if (std::isfinite(result.value)) {
    out.state = TrialState::Complete;
    out.value = result.value;
  } else {
    out.error = "the objective returned " + std::to_string(result.value);
  }
  return out;
}

Outcome failure(const std::string& error) {
  Outcome out;
  out.error = error.empty() ? "an exception without a message" : error;
  return out;
}

// What the run and the pruner make of an outcome, whatever the objective made of them.
void settle(Outcome& out, const TrialContext& ctx, int epochs, const RunControl& control) {
  if (control.trials_stopped()) {
    // A trial asked to stop may return early with a partial value: it did not complete.
    out.state = TrialState::Failed;
    out.value.reset();
    out.error = stop_cause(control);
    out.stopped = true;
  } else if (ctx.pruned()) {
    // Whatever the objective made of being stopped, the pruner's decision is the outcome.
    out.state = TrialState::Pruned;
    out.value.reset();
    out.error.clear();
    out.summary["pruned_at_epoch"] = epochs;
  }
}

Outcome run_objective(Study& study, Objective& objective, const ActiveTrial& trial,
                      const WorkerSpec& worker, RunControl& control, const RunOptions& options) {
  int epochs = 0;
  TrialContext ctx = trial_context(study, trial, worker, control, options, epochs);
  Outcome out;
  try {
    out = outcome_of(objective.run(trial.config, ctx));
  } catch (const std::exception& e) {
    out = failure(e.what());
  } catch (...) {
    out = failure("an exception of unknown type");
  }
  settle(out, ctx, epochs, control);
  return out;
}

std::optional<TrialSnapshot> tell(Study& study, int number, const Outcome& out) {
  switch (out.state) {
    case TrialState::Complete:
      return study.tell_complete(number, *out.value, out.summary);
    case TrialState::Pruned:
      return study.tell_pruned(number, out.summary);
    default:
      return study.tell_failed(number, out.error, out.summary);
  }
}

// Stores a trial's outcome, counts it and tells the listeners; true when it failed.
bool record(Study& study, const ActiveTrial& trial, const Outcome& out, const WorkerSpec& worker,
            RunControl& control, const RunOptions& options, WorkerStats& stats) {
  std::optional<TrialSnapshot> finished = tell(study, trial.number, out);
  if (!finished) {
    ++stats.lost;
    const std::string warning =
        "warning: trial " + std::to_string(trial.number) +
        " finished but was no longer running in the study (marked failed as stale by another "
        "process); its result is not recorded";
    notify(options, [&](RunListener& l) { l.message(warning); });
    return false;
  }
  const bool failed = finished->state == TrialState::Failed;
  (failed                                  ? stats.failed
   : finished->state == TrialState::Pruned ? stats.pruned
                                           : stats.complete) += 1;
  if (!out.stopped) control.record_outcome(failed, finished->error);
  notify(options, [&](RunListener& l) { l.trial_finished(worker, *finished); });
  return failed;
}

void run_trial(Study& study, Objective& objective, const ActiveTrial& trial,
               const WorkerSpec& worker, RunControl& control, const RunOptions& options,
               WorkerStats& stats) {
  notify(options, [&](RunListener& l) { l.trial_started(worker, trial); });
  Outcome out = run_objective(study, objective, trial, worker, control, options);
  if (record(study, trial, out, worker, control, options, stats) && options.after_failure)
    options.after_failure(worker);
}

// Trials trained as one fused group, each recorded on its own: its outcome, its pruning, its
// failure. What the group throws (out of memory, a bad device) fails each of its trials.
void run_fused(Study& study, Objective& objective, const std::vector<const ActiveTrial*>& group,
               const WorkerSpec& worker, RunControl& control, const RunOptions& options,
               WorkerStats& stats) {
  const size_t n = group.size();
  std::string members;
  for (const ActiveTrial* t : group)
    members += (members.empty() ? "" : ", ") + std::to_string(t->number);
  const std::string line = "worker " + std::to_string(worker.slot) + " (" + worker.device +
                           "): fused group of " + std::to_string(n) + ": trials " + members;
  notify(options, [&](RunListener& l) { l.message(line); });
  std::vector<int> epochs(n, 0);
  std::vector<TrialContext> contexts;
  std::vector<Json> configs;
  for (size_t i = 0; i < n; ++i) {
    notify(options, [&](RunListener& l) { l.trial_started(worker, *group[i]); });
    contexts.push_back(trial_context(study, *group[i], worker, control, options, epochs[i]));
    configs.push_back(group[i]->config);
  }
  std::vector<TrialContext*> pointers;
  for (TrialContext& c : contexts) pointers.push_back(&c);
  std::vector<Outcome> outs(n);
  try {
    std::vector<GroupMemberResult> results = objective.run_group(configs, pointers);
    if (results.size() != n)
      throw std::logic_error("the objective returned " + std::to_string(results.size()) +
                             " results for a group of " + std::to_string(n));
    for (size_t i = 0; i < n; ++i)
      outs[i] =
          results[i].error.empty() ? outcome_of(results[i].result) : failure(results[i].error);
  } catch (const std::exception& e) {
    outs.assign(n, failure(std::string("fused group: ") + e.what()));
  } catch (...) {
    outs.assign(n, failure("fused group: an exception of unknown type"));
  }
  bool any_failed = false;
  for (size_t i = 0; i < n; ++i) {
    settle(outs[i], contexts[i], epochs[i], control);
    outs[i].summary["fused_group"] = {{"id", group.front()->number}, {"size", n}};
    any_failed |= record(study, *group[i], outs[i], worker, control, options, stats);
  }
  if (any_failed && options.after_failure) options.after_failure(worker);
}

// Runs the trials of one batch ask: alone when the objective cannot fuse them, else in the
// groups it forms.
void run_batch(Study& study, Objective& objective, const std::vector<ActiveTrial>& trials,
               const WorkerSpec& worker, RunControl& control, const RunOptions& options,
               WorkerStats& stats) {
  std::vector<std::vector<size_t>> groups;
  if (trials.size() > 1) {
    std::vector<Json> configs;
    for (const ActiveTrial& t : trials) configs.push_back(t.config);
    groups = objective.fuse_groups(configs, worker.fuse, worker.device);
  } else {
    groups = {{0}};
  }
  for (const std::vector<size_t>& members : groups) {
    if (members.size() == 1) {
      run_trial(study, objective, trials.at(members[0]), worker, control, options, stats);
      continue;
    }
    std::vector<const ActiveTrial*> group;
    for (size_t i : members) group.push_back(&trials.at(i));
    run_fused(study, objective, group, worker, control, options, stats);
  }
}

// What a worker told to Wait is waiting for. Trials of a process that died stay running until
// they go stale, which can take up to stale_after seconds after a resume.
std::string wait_reason(const Study& study, const BatchAskResult& ask) {
  if (ask.running_elsewhere == 0) return "waiting for the running trials to finish";
  char stale[32];
  std::snprintf(stale, sizeof stale, "%g", study.options().stale_after);
  return "waiting for " + std::to_string(ask.running_elsewhere) +
         " trial(s) running elsewhere to finish or go stale (up to " + stale + "s)";
}

}  // namespace

WorkerStats run_worker(Study& study, Objective& objective, const WorkerSpec& worker,
                       RunControl& control, const RunOptions& options) {
  WorkerStats stats;
  const int batch = objective.can_fuse() ? std::max(1, worker.fuse) : 1;
  while (!control.stopping()) {
    if (control.check_deadline()) break;
    // A fusing worker asks for a batch of one shape where the strategy can give one.
    const FuseKeyFn fuse_key = batch > 1 ? objective.fuse_key(worker.device) : FuseKeyFn{};
    BatchAskResult ask = study.ask_batch(worker.device, worker.name, batch, fuse_key);
    if (ask.status == AskStatus::Wait) {
      const std::string why = wait_reason(study, ask);
      notify(options, [&](RunListener& l) { l.waiting(worker, why); });
      pause(study.wait_interval(), control);
      continue;
    }
    if (ask.trials.empty()) {
      control.stop(ask.status == AskStatus::StrategyDone ? RunControl::Reason::StrategyDone
                                                         : RunControl::Reason::BudgetSpent);
      break;
    }
    run_batch(study, objective, ask.trials, worker, control, options, stats);
  }
  return stats;
}

namespace {

void add(WorkerStats& total, const WorkerStats& part) {
  total.complete += part.complete;
  total.failed += part.failed;
  total.pruned += part.pruned;
  total.lost += part.lost;
}

// Worker threads wait here until all of them exist, so that when the system refuses one the
// others go home before any of them has asked for a trial: nothing half-run to clean up.
class StartGate {
 public:
  // Blocks until open() (true: go) or cancel() (false: leave).
  bool wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    opened_.wait(lock, [&] { return state_ != State::Closed; });
    return state_ == State::Open;
  }
  void open() { set(State::Open); }
  void cancel() { set(State::Cancelled); }

 private:
  enum class State { Closed, Open, Cancelled };
  void set(State state) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_ = state;
    }
    opened_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable opened_;
  State state_ = State::Closed;
};

// Starts one thread per worker (and the watcher, when given), all held at a gate. If the
// system refuses a thread, the ones started leave without running anything and ConfigError
// says so (std::thread would otherwise end the process with std::terminate).
std::vector<std::thread> start_threads(size_t workers, const std::function<void(size_t)>& work,
                                       const std::function<void()>& watch) {
  // Shared: a thread may still be waking from wait() when this function has returned.
  auto gate = std::make_shared<StartGate>();
  std::vector<std::thread> threads;
  try {
    if (watch)
      threads.emplace_back([gate, watch] {
        if (gate->wait()) watch();
      });
    for (size_t i = 0; i < workers; ++i)
      threads.emplace_back([gate, work, i] {
        if (gate->wait()) work(i);
      });
  } catch (const std::system_error& e) {
    gate->cancel();
    for (auto& t : threads) t.join();
    const size_t needed = workers + (watch ? 1 : 0);
    throw ConfigError("workers", "the system refused thread " + std::to_string(threads.size() + 1) +
                                     " of the " + std::to_string(needed) + " this run needs (" +
                                     e.what() +
                                     "); no trial was run. Allowed: fewer workers "
                                     "(--cpu-workers, --per-device) or a higher thread limit "
                                     "(ulimit -u)");
  }
  gate->open();
  return threads;
}

}  // namespace

RunSummary run_study(Study& study, const std::vector<WorkerSpec>& workers,
                     const ObjectiveFactory& make_objective, RunControl& control,
                     const RunOptions& options) {
  if (workers.empty()) throw std::invalid_argument("run_study: no workers");
  // Built up front so that a bad objective config fails before any trial starts.
  std::vector<std::shared_ptr<Objective>> objectives;
  for (const auto& w : workers) {
    objectives.push_back(make_objective(w));
    if (!objectives.back()) throw std::invalid_argument("run_study: the factory gave no objective");
  }

  std::vector<WorkerStats> stats(workers.size());
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](size_t i) {
    try {
      std::shared_ptr<void> env;
      if (options.enter_worker) env = options.enter_worker(workers[i]);
      stats[i] = run_worker(study, *objectives[i], workers[i], control, options);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      control.interrupt();  // the others stop too: the study itself is in trouble
      control.stop_trials();
    }
  };
  // Trials running when the deadline passes are stopped by this watcher, not by the workers
  // (they are busy running them).
  std::atomic<bool> done{false};
  std::function<void()> watch;
  if (control.deadline && control.stop_trials_at_deadline)
    watch = [&] {
      while (!done.load() && !control.check_deadline())
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    };
  // A single worker runs on the calling thread; the others get threads of their own.
  const size_t worker_threads = workers.size() == 1 ? 0 : workers.size();
  std::vector<std::thread> threads = start_threads(worker_threads, work, watch);
  if (worker_threads == 0) work(0);
  // The watcher, when there is one, is threads[0]: it ends once `done` is set.
  for (size_t i = watch ? 1 : 0; i < threads.size(); ++i) threads[i].join();
  done.store(true);
  for (auto& t : threads)
    if (t.joinable()) t.join();
  // Only trials interrupted mid-tell (a study error) can remain.
  study.fail_own_running(kInterruptedError);
  if (error) std::rethrow_exception(error);

  RunSummary summary;
  for (const auto& s : stats) add(summary.totals, s);
  summary.reason = control.reason();
  summary.detail = control.detail();
  summary.signal = control.signal();
  notify(options, [&](RunListener& l) { l.run_finished(summary); });
  return summary;
}

}  // namespace tune
