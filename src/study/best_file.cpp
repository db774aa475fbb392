#include "study/best_file.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
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

void write_file_atomically(const std::string& path,
                           const std::function<void(const std::string&)>& write) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ignored;  // a failure shows when the file is opened
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  // Unique per process and per call, so that neither several processes on one study nor
  // several workers of one process ever share a temporary file.
  static std::atomic<unsigned> calls{0};
  std::string temporary =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(calls++);
  try {
    write(temporary);
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot replace " + path);
  }
}

void write_json_file(const std::string& path, const Json& value) {
  write_file_atomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::trunc);
    out << value.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  });
}

}  // namespace tune
