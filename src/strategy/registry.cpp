// The strategies by name. Adding one is one line in the table below.
#include <utility>

#include "common/error.h"
#include "common/hparams.h"
#include "strategy/bayes/bayes_strategy.h"
#include "strategy/grid.h"
#include "strategy/pbt.h"
#include "strategy/random.h"
#include "strategy/strategy.h"
#include "strategy/tpe/tpe_strategy.h"

namespace tune {
namespace {

const std::vector<std::pair<std::string, StrategyFactory>>& registry() {
  static const std::vector<std::pair<std::string, StrategyFactory>> table = {
      {"bayes", bayes::make_bayes_strategy},
      {"grid", GridStrategy::create},
      {"pbt", PbtStrategy::create},
      {"random", RandomStrategy::create},
      {"tpe", tpe::make_tpe_strategy},
  };
  return table;
}

}  // namespace

std::vector<std::string> strategy_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, const Json& options,
                                        const std::string& where) {
  if (!options.is_null() && !options.is_object())
    throw ConfigError(where, "expected an object of strategy options, got " + options.dump());
  for (const auto& [entry_name, factory] : registry())
    if (entry_name == name) return factory(options.is_null() ? Json::object() : options, where);
  throw ConfigError(where, "unknown strategy \"" + name + "\"; allowed: " + join(strategy_names()));
}

}  // namespace tune
