#pragma once
// Typed, validated access to a config (a flat JSON object) for builders and the trainer:
// hp.integer("layers", 1), hp.choice("activation", "relu", {"relu", "tanh"}).
// Every error names the source and the field and says what is allowed.
#include <climits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

// What a config was asked for while a ParamReads is attached (Hyperparameters::record_reads):
// the dry build of a trial (train/check_experiment.h) learns from it which params the
// builders, the optimizer and the trainer read, instead of keeping a list of them that drifts.
struct ParamReads {
  std::set<std::string> names;                              // every name asked for
  std::map<std::string, long long> integer_max;             // integer(): its upper bound
  std::set<std::string> booleans;                           // boolean()
  std::map<std::string, std::vector<std::string>> choices;  // choice(): the allowed values
};

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

  // Error for `name` with a message, already prefixed with source and field (or its origin).
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;
  // check_keys (below) over this config, naming a key's origin where a flag set it.
  void check_keys(const std::vector<std::string>& allowed) const;

  // Errors about `name` name `where` instead of "source.name": the flag that set it
  // ("--set lr"), or the space bound it came from ("configs/x.json: space.lr.low").
  void set_origin(const std::string& name, std::string where);
  // Every read from now on is noted in `reads` (not owned; nullptr stops recording).
  void record_reads(ParamReads* reads) { reads_ = reads; }

 private:
  Json config_;
  std::string source_;
  std::map<std::string, std::string> origins_;
  ParamReads* reads_ = nullptr;
};

// Renders a JSON value for messages: strings quoted, numbers as written.
std::string describe(const Json& value);
// The one unknown-key check every section uses: ConfigError naming `where`.key (`where`
// `separator` key: "--set" " " "bogus") and the allowed keys for a key of `section` (an
// object) not in `allowed`. Numbered runs of allowed names are listed as "units_0..units_15".
void check_keys(const Json& section, const std::vector<std::string>& allowed,
                const std::string& where, const std::string& separator = ".");
// "a, b, c" from a list of allowed names.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
// The same with each run of three or more numbered names ("units_0", "units_1", ...) written
// as one range "units_0..units_15", for messages listing many names.
std::string join_names(const std::vector<std::string>& names);

}  // namespace tune
