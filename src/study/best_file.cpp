#include "study/best_file.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace tune {

Json best_trial_json(const TrialSnapshot& trial, Direction direction, const Config& base_params) {
  Config config = base_params;
  for (const auto& [k, v] : trial.params.items()) config[k] = v;
  Json out = {{"number", trial.number},
              {"value", trial.value ? Json(*trial.value) : Json()},
              {"direction", to_string(direction)},
              {"params", trial.params},
              {"config", config}};
  if (!trial.summary.empty()) out["summary"] = trial.summary;
  return out;
}

void write_json_file(const std::string& path, const Json& value) {
  // Unique per process so that several processes on one study never share a temporary file.
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << value.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot replace " + path);
  }
}

}  // namespace tune
