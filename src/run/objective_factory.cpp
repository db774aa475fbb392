#include "run/objective_factory.h"

#include "objective/command_objective.h"
#include "train/train_objective.h"

namespace tune {

std::unique_ptr<Objective> make_objective(const Experiment& experiment, bool retry_oom,
                                          const std::string& study_dir) {
  if (!experiment.objective_spec.is_command())
    return make_train_objective(experiment, retry_oom, study_dir);
  auto command =
      std::make_unique<CommandObjective>(experiment.objective_spec, experiment.where("objective"));
  std::vector<std::string> names;
  for (const auto& [name, value] : experiment.params.items()) names.push_back(name);
  for (const auto& [name, value] : experiment.space.items()) names.push_back(name);
  command->check_placeholders(names);
  return command;
}

}  // namespace tune
