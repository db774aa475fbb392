#pragma once
// Errors that reach the user. The CLI prints what() on one line and exits 2.
#include <stdexcept>
#include <string>

namespace tune {

// Bad input: a config file, a flag, a data file. `where` names the source and field
// ("configs/x.json: space.lr.low"), `message` says what is wrong and what is allowed.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& where, const std::string& message)
      : std::runtime_error(where.empty() ? message : where + ": " + message) {}
};

}  // namespace tune
