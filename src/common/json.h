#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tune {
using Json = nlohmann::json;
// A sampled configuration: a JSON object, parameter name -> value. The same object the
// builders read, storage keeps and the CLI prints.
using Config = nlohmann::json;
// What configs must share to train as one fused group (their shape), or nullopt for a config
// that runs alone. The objective knows it; the engine hands it to the strategy, which only
// calls it.
using FuseKeyFn = std::function<std::optional<std::string>(const Config&)>;

// Compact JSON text for storing or printing. Invalid UTF-8 (a program's output in a summary or
// an error) is replaced rather than thrown on.
inline std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}
}  // namespace tune
