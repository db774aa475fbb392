// Building the built-in callbacks from an experiment's "callbacks" section.
#include "common/error.h"
#include "common/hparams.h"
#include "train/callbacks.h"

namespace tune {
namespace {

void check_keys(const Hyperparameters& hp, const std::vector<std::string>& allowed) {
  for (const auto& item : hp.raw().items())
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      hp.fail(item.key(), "unknown key; allowed: " + join(allowed));
}

std::string monitor(const Hyperparameters& hp, const std::string& fallback) {
  return hp.choice("monitor", fallback, metric_names());
}

Mode mode(const Hyperparameters& hp, const std::string& monitored) {
  return parse_mode(hp.choice("mode", "auto", {"auto", "min", "max"}), monitored);
}

std::unique_ptr<Callback> early_stopping(const Hyperparameters& hp) {
  check_keys(hp, {"monitor", "mode", "patience", "min_delta", "restore_best"});
  EarlyStopping::Options o;
  o.monitor = monitor(hp, "val_loss");
  o.mode = mode(hp, o.monitor);
  o.patience = static_cast<int>(hp.integer("patience", 2, 1, 100000));
  o.min_delta = hp.real("min_delta", 0.0, 0.0);
  o.restore_best = hp.boolean("restore_best", true);
  return std::make_unique<EarlyStopping>(o);
}

std::unique_ptr<Callback> target_reached(const Hyperparameters& hp) {
  check_keys(hp, {"monitor", "mode", "value"});
  TargetReached::Options o;
  o.monitor = monitor(hp, "val_accuracy");
  o.mode = mode(hp, o.monitor);
  if (!hp.has("value")) hp.fail("value", "required: the value that ends training");
  o.value = hp.real("value", 0.0);
  return std::make_unique<TargetReached>(o);
}

std::unique_ptr<Callback> divergence(const Hyperparameters& hp) {
  check_keys(hp, {"monitor", "factor"});
  Divergence::Options o;
  o.monitor = hp.choice("monitor", "train_loss", {"train_loss", "val_loss"});
  if (hp.has("factor")) o.factor = hp.real("factor", 10.0, 1.0);
  if (o.factor && *o.factor <= 1.0) hp.fail("factor", "must be greater than 1");
  return std::make_unique<Divergence>(o);
}

std::unique_ptr<Callback> time_budget(const Hyperparameters& hp) {
  check_keys(hp, {"seconds"});
  if (!hp.has("seconds")) hp.fail("seconds", "required: the training time allowed per trial");
  double seconds = hp.real("seconds", 0.0, 0.0);
  if (seconds <= 0) hp.fail("seconds", "must be positive");
  return std::make_unique<TimeBudget>(seconds);
}

}  // namespace

std::vector<std::unique_ptr<Callback>> make_callbacks(const Json& section,
                                                      const std::string& where) {
  using Factory = std::unique_ptr<Callback> (*)(const Hyperparameters&);
  // Divergence first: a diverging epoch must end as "diverged" whatever else would fire.
  const std::vector<std::pair<std::string, Factory>> kinds = {{"divergence", divergence},
                                                              {"early_stopping", early_stopping},
                                                              {"target_reached", target_reached},
                                                              {"time_budget", time_budget}};
  const Json& s = section.is_null() ? Json::object() : section;
  if (!s.is_object()) throw ConfigError(where, "expected an object, got " + describe(s));
  std::vector<std::string> names;
  for (const auto& k : kinds) names.push_back(k.first);
  for (const auto& item : s.items())
    if (std::find(names.begin(), names.end(), item.key()) == names.end())
      throw ConfigError(where + "." + item.key(), "unknown callback; allowed: " + join(names));

  std::vector<std::unique_ptr<Callback>> out;
  for (const auto& [name, factory] : kinds) {
    std::string field = where + "." + name;
    if (!s.contains(name)) continue;
    const Json& v = s.at(name);
    if (v.is_boolean() && !v.get<bool>()) continue;
    if (!v.is_object()) throw ConfigError(field, "expected an object or false, got " + describe(v));
    out.push_back(factory(Hyperparameters(v, field)));
  }
  return out;
}

}  // namespace tune
