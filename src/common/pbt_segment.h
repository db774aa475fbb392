#pragma once
// One stretch of a population-based training member (strategy/pbt.h): a trial that trains a
// member's model from one epoch to another, starting from the weights and optimizer state
// another trial left (its parent's checkpoint) or from fresh weights. The strategy writes it
// into the trial's params under "pbt"; training reads it back. Torch-free.
#include <optional>
#include <string>

#include "common/json.h"

namespace tune {

inline constexpr const char* kPbtKey = "pbt";

struct PbtSegment {
  int member = 0;                // which member of the population (0, 1, ...)
  int from_epoch = 0;            // epochs the member has trained before this trial
  int to_epoch = 1;              // the epoch this trial trains up to (> from_epoch)
  std::optional<int> parent;     // the trial whose checkpoint it starts from; none: fresh weights
  std::optional<int> exploited;  // the member whose weights it took, when not its own

  Json to_json() const;
  // The segment a trial config carries, nullopt when it carries none. ConfigError (naming
  // `where`.pbt) when "pbt" is there but malformed.
  static std::optional<PbtSegment> from_config(const Json& config, const std::string& where);
};

// `config` without its "pbt" entry: the hyperparameters the model and optimizer are built from.
Json without_pbt(const Json& config);

}  // namespace tune
