#include "cli/objective_factory.h"

#include "common/error.h"
#include "objective/command_objective.h"
#include "train/train_objective.h"

namespace tune::cli {
namespace {

std::string monitor(const Experiment& e) {
  const Json& m = e.objective.value("monitor", Json("val_accuracy"));
  if (!m.is_string())
    throw ConfigError(e.where("objective.monitor"), "expected a metric name, got " + m.dump());
  return m.get<std::string>();
}

}  // namespace

bool is_command_objective(const Experiment& e) {
  return CommandObjective::is_command(e.objective);
}

std::unique_ptr<Objective> make_objective(const Experiment& experiment, bool retry_oom) {
  if (!is_command_objective(experiment)) return make_train_objective(experiment, retry_oom);
  auto command =
      std::make_unique<CommandObjective>(experiment.objective, experiment.where("objective"));
  std::vector<std::string> names;
  for (const auto& [name, value] : experiment.params.items()) names.push_back(name);
  for (const auto& [name, value] : experiment.space.items()) names.push_back(name);
  command->check_placeholders(names);
  return command;
}

Direction objective_direction(const Experiment& e) {
  if (e.objective.contains("direction")) {
    const Json& d = e.objective.at("direction");
    if (!d.is_string())
      throw ConfigError(e.where("objective.direction"),
                        "expected \"minimize\" or \"maximize\", got " + d.dump());
    return direction_from_string(d.get<std::string>(), e.where("objective.direction"));
  }
  if (is_command_objective(e))
    return CommandObjective(e.objective, e.where("objective")).direction();
  std::string metric = monitor(e);
  bool lower_is_better =
      metric.find("loss") != std::string::npos || metric.find("error") != std::string::npos;
  return lower_is_better ? Direction::Minimize : Direction::Maximize;
}

std::string objective_metric(const Experiment& e) {
  return is_command_objective(e) ? std::string("value") : monitor(e);
}

}  // namespace tune::cli
