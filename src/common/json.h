#pragma once
#include <nlohmann/json.hpp>

namespace tune {
using Json = nlohmann::json;
// A sampled configuration: a JSON object, parameter name -> value. The same object the
// builders read, storage keeps and the CLI prints.
using Config = nlohmann::json;
}  // namespace tune
