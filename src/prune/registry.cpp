// The pruners by name. Adding one is its file plus one line in the table below.
#include <utility>

#include "common/error.h"
#include "common/hparams.h"
#include "prune/percentile.h"
#include "prune/pruner.h"
#include "prune/successive_halving.h"

namespace tune {
namespace {

// "none" still checks its keys, so a stray option is reported rather than silently ignored.
std::unique_ptr<Pruner> make_no_pruner(const Json& options, const std::string& where) {
  check_keys(options, {"name"}, where);
  return nullptr;
}

const std::vector<std::pair<std::string, PrunerFactory>>& registry() {
  static const std::vector<std::pair<std::string, PrunerFactory>> table = {
      {"none", make_no_pruner},  // the default: listed first
      {"median", make_median_pruner}, {"percentile", make_percentile_pruner},
      {"asha", make_asha_pruner},     {"hyperband", make_hyperband_pruner},
  };
  return table;
}

}  // namespace

std::vector<std::string> pruner_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::unique_ptr<Pruner> make_pruner(const std::string& name, const Json& options,
                                    const std::string& where) {
  if (!options.is_null() && !options.is_object())
    throw ConfigError(where, "expected an object of pruner options, got " + options.dump());
  for (const auto& [entry_name, factory] : registry())
    if (entry_name == name) return factory(options.is_null() ? Json::object() : options, where);
  throw ConfigError(where + ".name",
                    "unknown pruner \"" + name + "\"; allowed: " + join(pruner_names()));
}

}  // namespace tune
