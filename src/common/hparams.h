#pragma once
// Typed, validated access to a config (a flat JSON object) for builders and the trainer:
// hp.integer("layers", 1), hp.choice("activation", "relu", {"relu", "tanh"}).
// Every error names the source and the field and says what is allowed.
#include <climits>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

class Hyperparameters {
 public:
  // `source` names where the config came from, for error messages ("configs/x.json: params").
  explicit Hyperparameters(Json config, std::string source = "config");

  bool has(const std::string& name) const;
  const Json& raw() const { return config_; }
  const std::string& source() const { return source_; }

  // Value of `name`, or `fallback` when absent. Throws ConfigError on a wrong type or a value
  // outside [min, max].
  long long integer(const std::string& name, long long fallback, long long min = LLONG_MIN,
                    long long max = LLONG_MAX) const;
  double real(const std::string& name, double fallback, double min = -1e308,
              double max = 1e308) const;
  bool boolean(const std::string& name, bool fallback) const;
  std::string choice(const std::string& name, const std::string& fallback,
                     const std::vector<std::string>& allowed) const;
  std::string text(const std::string& name, const std::string& fallback) const;

  // Error for `name` with a message, already prefixed with source and field.
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;

 private:
  Json config_;
  std::string source_;
};

// Renders a JSON value for messages: strings quoted, numbers as written.
std::string describe(const Json& value);
// The one unknown-key check every section uses: ConfigError naming `where`.key and the
// allowed keys for a key of `section` (an object) not in `allowed`.
void check_keys(const Json& section, const std::vector<std::string>& allowed,
                const std::string& where);
// "a, b, c" from a list of allowed names.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace tune
