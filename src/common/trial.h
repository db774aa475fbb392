#pragma once
// The value types every part shares: a trial's state and an immutable snapshot of a trial.
// Strategies and reports read snapshots; only the code running a trial changes it, through
// the study.
#include <optional>
#include <string>

#include "common/json.h"

namespace tune {

enum class TrialState { Running, Complete, Pruned, Failed };
enum class Direction { Minimize, Maximize };
// A study's answer to a trial's per-epoch report.
enum class Decision { Continue, Prune };

const char* to_string(TrialState state);
TrialState trial_state_from_string(const std::string& text);  // throws std::invalid_argument
const char* to_string(Direction direction);
Direction direction_from_string(const std::string& text, const std::string& where);

struct TrialSnapshot {
  int number = -1;  // 0, 1, 2... in the order trials were claimed
  TrialState state = TrialState::Running;
  Config params = Json::object();
  std::optional<double> value;   // set for Complete (and Pruned: the last reported value)
  Json metrics = Json::array();  // one object per epoch, as reported
  double start_time = 0;         // seconds since the epoch (wall clock)
  double end_time = 0;           // 0 while running
  std::string device;
  std::string error;              // why it failed
  std::string worker;             // host:pid/slot that ran it
  Json summary = Json::object();  // what the objective returned beside its value

  bool finished() const { return state != TrialState::Running; }
};

// Errors the run gives a trial it stopped from outside (Ctrl-C twice, the timeout with
// on_timeout stop, a worker that died), as opposed to failures of the trial's own config.
inline constexpr const char* kInterruptedError = "interrupted";
inline constexpr const char* kTimeoutStoppedError = "stopped at the study timeout";
inline constexpr const char* kWorkerDiedError = "worker died";  // a prefix; the reason follows

// A failed trial whose config may well be fine: stopped from outside. A grid offers its
// point again.
bool stopped_from_outside(const TrialSnapshot& trial);

// True when `a` is a better objective value than `b` in `direction`.
inline bool better(double a, double b, Direction direction) {
  return direction == Direction::Minimize ? a < b : a > b;
}

}  // namespace tune
