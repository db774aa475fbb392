#pragma once
// What a trial runs: a config in, one objective value out. Objectives never know which
// strategy chose their config. Failure is an exception (its message is kept as the trial's
// error); a NaN or infinite value is a failure too.
#include <atomic>
#include <functional>
#include <string>

#include "common/json.h"

namespace tune {

struct TrialContext {
  int number = -1;
  std::string device = "cpu";  // "cpu" or "cuda:N"
  // Called at each epoch end with that epoch's metrics (an object); the study stores them.
  std::function<void(const Json& epoch_metrics)> report;
  // Set when the study asks running trials to stop (Ctrl-C twice, timeout).
  const std::atomic<bool>* stop = nullptr;
  bool stop_requested() const { return stop && stop->load(); }
};

struct ObjectiveResult {
  double value = 0;
  Json summary = Json::object();  // anything worth keeping: stop reason, best epoch, test accuracy
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual ObjectiveResult run(const Json& config, TrialContext& ctx) = 0;
};

}  // namespace tune
