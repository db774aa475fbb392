#pragma once
// A search space: named parameters, each a domain, optionally active only under a condition on
// another parameter. It parses and validates the experiment's "space" object, samples,
// enumerates a grid, and maps configs to and from the unit cube (the encoding every
// model-based strategy uses).
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

enum class ParamKind { Int, Float, Categorical };

// "when": {"optimizer": "sgd"} / {"optimizer": ["sgd", "rmsprop"]} / {"layers": {">=": 3}}.
struct Condition {
  std::string parent;
  std::string op = "in";     // "in" (value among `values`), "==", "!=", ">=", ">", "<=", "<"
  std::vector<Json> values;  // one value except for "in"
  bool holds(const Json& parent_value) const;
};

struct Param {
  std::string name;
  ParamKind kind = ParamKind::Float;
  double low = 0, high = 1;       // Int and Float
  std::optional<double> step;     // Int and Float: values low, low+step, ... <= high
  bool log = false;               // Int and Float: log-uniform
  bool pow2 = false;              // Int: powers of two between low and high ("type": "pow2")
  std::vector<Json> choices;      // Categorical
  std::vector<Json> grid_values;  // explicit grid ("values"), else derived (see grid())
  int grid_points = 0;            // Float without step: points on the grid (log-spaced if log)
  std::optional<Condition> when;

  // The value at unit coordinate u in [0,1] (log, step, pow2 and rounding applied).
  Json from_unit(double u) const;
  // The inverse: a valid value's coordinate in [0,1]. (Categoricals: see Space::encode.)
  double to_unit(const Json& value) const;
  // Every value this parameter takes on a grid.
  std::vector<Json> grid() const;
};

class Space {
 public:
  Space() = default;
  // Parses and validates; `where` names the source for errors ("configs/x.json: space").
  // Throws ConfigError naming the parameter and the broken rule.
  static Space from_json(const Json& space, const std::string& where);

  const std::vector<Param>& params() const { return params_; }  // parents before children
  const Param* find(const std::string& name) const;
  bool empty() const { return params_.empty(); }

  // Whether `param` is active in `config` (its condition holds, recursively).
  bool is_active(const Param& param, const Config& config) const;

  // A random config: active parameters only.
  Config sample(std::mt19937_64& rng) const;
  // Every config of the grid (conditional sub-grids expanded, inactive params absent), in a
  // fixed order.
  std::vector<Config> grid() const;
  // Number of grid configs without building them (saturates at SIZE_MAX).
  size_t grid_size() const;

  // Unit-cube encoding: ints and floats one coordinate each (log scale applied), categoricals
  // one-hot (one coordinate per choice). Inactive parameters encode as 0.5 (numeric) or all
  // zeros (categorical).
  size_t encoded_dims() const;
  std::vector<double> encode(const Config& config) const;
  // Nearest valid config to a point of the cube (argmax for one-hot blocks, rounding for ints,
  // steps and pow2), active parameters only.
  Config decode(const std::vector<double>& point) const;
  // For each encoded coordinate, the index of the parameter it belongs to.
  const std::vector<size_t>& dim_owner() const { return dim_owner_; }

  // Throws ConfigError if `config` has a value outside its domain (used for --set and resumes).
  void validate(const Config& config, const std::string& where) const;

 private:
  std::vector<Param> params_;
  std::vector<size_t> dim_owner_;
};

}  // namespace tune
