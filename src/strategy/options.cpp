#include "strategy/options.h"

#include <algorithm>

#include "common/error.h"
#include "common/hparams.h"
#include "space/space.h"

namespace tune {

void check_strategy_options(const Json& options, const std::vector<std::string>& allowed,
                            const std::string& where) {
  if (!options.is_object()) return;
  for (const auto& item : options.items()) {
    if (item.key() == "name") continue;
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      std::vector<std::string> keys = {"name"};
      keys.insert(keys.end(), allowed.begin(), allowed.end());
      throw ConfigError(where + "." + item.key(), "unknown option; allowed: " + join(keys));
    }
  }
}

std::optional<uint64_t> seed_option(const Json& options, const std::string& key,
                                    const std::string& where) {
  if (!options.is_object() || !options.contains(key) || options[key].is_null()) return std::nullopt;
  const Json& v = options[key];
  if (!v.is_number_integer() || v.get<long long>() < 0)
    throw ConfigError(where + "." + key, "expected a non-negative integer, got " + describe(v));
  return v.get<uint64_t>();
}

std::string config_key(const Space& space, const Json& config) {
  return space.normalize(config).dump();
}

}  // namespace tune
