#pragma once
// What happens when a trial starts, reports an epoch or finishes, beyond storing it: the
// progress board, best.json, the final leaderboard, later the live dashboard. The run engine
// calls every listener it was given, from the worker threads (so listeners lock what they
// share); it knows none of them by name. Adding one is a class with the events it cares about.
#include <string>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

struct ActiveTrial;
struct WorkerSpec;
struct RunSummary;

class RunListener {
 public:
  virtual ~RunListener() = default;
  virtual void trial_started(const WorkerSpec&, const ActiveTrial&) {}
  // One epoch's metrics as stored, and what the pruner answered.
  virtual void epoch(const WorkerSpec&, int /*trial*/, const Json& /*metrics*/, Decision) {}
  // The trial as storage recorded it (complete, pruned or failed; without metrics).
  virtual void trial_finished(const WorkerSpec&, const TrialSnapshot&) {}
  // A line worth showing (a warning).
  virtual void message(const std::string&) {}
  // The worker was told to wait (no trial for it now, but running ones may free budget or
  // points), and why; repeated while it waits. Its next trial_started ends the wait.
  virtual void waiting(const WorkerSpec&, const std::string& /*why*/) {}
  // After every worker has stopped.
  virtual void run_finished(const RunSummary&) {}
};

}  // namespace tune
