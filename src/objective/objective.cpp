#include "objective/objective.h"

#include <exception>

namespace tune {

// Without a fused implementation a group is its trials one after another.
std::vector<GroupMemberResult> Objective::run_group(const std::vector<Json>& configs,
                                                    const std::vector<TrialContext*>& contexts) {
  std::vector<GroupMemberResult> out(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) {
    try {
      out[i].result = run(configs[i], *contexts.at(i));
    } catch (const std::exception& e) {
      out[i].error = *e.what() ? e.what() : "an exception without a message";
    }
  }
  return out;
}

}  // namespace tune
