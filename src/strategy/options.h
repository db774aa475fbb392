#pragma once
// Shared checks for a strategy's options (the config's "strategy" object).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

// Throws ConfigError for a key of `options` that is neither "name" nor in `allowed`.
void check_strategy_options(const Json& options, const std::vector<std::string>& allowed,
                            const std::string& where);
// Optional non-negative integer option `key` ("seed"); ConfigError naming it otherwise.
std::optional<uint64_t> seed_option(const Json& options, const std::string& key,
                                    const std::string& where);

// `config` reduced to the space's active parameters in their canonical types, as text: the key
// under which strategies compare configs (stored trials also carry fixed params).
class Space;
std::string config_key(const Space& space, const Json& config);

}  // namespace tune
