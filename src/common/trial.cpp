#include "common/trial.h"

#include <stdexcept>

#include "common/error.h"

namespace tune {

bool stopped_from_outside(const TrialSnapshot& trial) {
  auto starts = [&](const char* prefix) { return trial.error.rfind(prefix, 0) == 0; };
  return trial.state == TrialState::Failed &&
         (trial.error == kInterruptedError || starts("stopped") || starts(kWorkerDiedError));
}

const char* to_string(TrialState state) {
  switch (state) {
    case TrialState::Running:
      return "running";
    case TrialState::Complete:
      return "complete";
    case TrialState::Pruned:
      return "pruned";
    case TrialState::Failed:
      return "failed";
  }
  return "unknown";
}

TrialState trial_state_from_string(const std::string& text) {
  if (text == "running") return TrialState::Running;
  if (text == "complete") return TrialState::Complete;
  if (text == "pruned") return TrialState::Pruned;
  if (text == "failed") return TrialState::Failed;
  throw std::invalid_argument("unknown trial state \"" + text + "\"");
}

const char* to_string(Direction direction) {
  return direction == Direction::Minimize ? "minimize" : "maximize";
}

Direction direction_from_string(const std::string& text, const std::string& where) {
  if (text == "minimize" || text == "min") return Direction::Minimize;
  if (text == "maximize" || text == "max") return Direction::Maximize;
  throw ConfigError(where, "unknown direction \"" + text + "\"; allowed: minimize, maximize");
}

}  // namespace tune
