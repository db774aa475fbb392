#include "common/objective_spec.h"

#include "common/error.h"
#include "common/hparams.h"

namespace tune {
namespace {

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

void parse_command(const Json& section, const std::string& where, ObjectiveSpec& spec) {
  check_keys(section, {"command", "direction", "timeout"}, where);
  const Json& command = section.at("command");
  if (!command.is_array() || command.empty())
    throw ConfigError(
        where + ".command",
        "expected a non-empty list of strings, e.g. [\"python3\", \"f.py\", \"{x}\"]");
  for (const Json& arg : command) {
    if (!arg.is_string())
      throw ConfigError(where + ".command",
                        "every argument must be a string, got " + describe(arg));
    spec.command.push_back(arg.get<std::string>());
  }
  if (spec.command[0].empty()) throw ConfigError(where + ".command", "the program name is empty");
  spec.monitor = "value";
  spec.direction = Direction::Minimize;
  if (section.contains("timeout") && !section["timeout"].is_null()) {
    const Json& t = section["timeout"];
    if (!t.is_number() || !(t.get<double>() > 0))
      throw ConfigError(where + ".timeout", "expected a number of seconds > 0, got " + describe(t));
    spec.timeout = t.get<double>();
  }
}

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"train_loss", "train_accuracy", "val_loss",
                                                 "val_accuracy"};
  return names;
}

Direction natural_direction(const std::string& metric) {
  return ends_with(metric, "loss") || ends_with(metric, "error") ? Direction::Minimize
                                                                 : Direction::Maximize;
}

ObjectiveSpec ObjectiveSpec::parse(const Json& section, const std::string& where) {
  ObjectiveSpec spec;
  if (section.is_null()) return spec;
  if (!section.is_object())
    throw ConfigError(where, "expected an object, got " + describe(section));
  if (section.contains("command")) {
    parse_command(section, where, spec);
  } else {
    check_keys(section, {"monitor", "direction", "value", "retry_oom", "keep_best_weights"}, where);
    Hyperparameters hp(section, where);
    spec.monitor = hp.choice("monitor", "val_accuracy", metric_names());
    spec.direction = natural_direction(spec.monitor);
    spec.value = hp.choice("value", "best", {"best", "last"}) == "last" ? TrialValue::Last
                                                                        : TrialValue::Best;
    spec.retry_oom = hp.boolean("retry_oom", false);
    spec.keep_best_weights = hp.boolean("keep_best_weights", false);
  }
  if (section.contains("direction")) {
    const Json& d = section.at("direction");
    if (!d.is_string())
      throw ConfigError(where + ".direction",
                        "expected \"minimize\" or \"maximize\", got " + describe(d));
    spec.direction = direction_from_string(d.get<std::string>(), where + ".direction");
  }
  return spec;
}

}  // namespace tune
