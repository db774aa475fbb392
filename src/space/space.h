#pragma once
// A search space: named parameters, each a domain, optionally active only under a condition on
// another parameter. It parses and validates the experiment's "space" object, samples,
// enumerates a grid, and maps configs to and from the unit cube (the encoding every
// model-based strategy uses).
#include <cstdint>
#include <functional>
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
  // Every value this parameter takes on a grid. Throws ConfigError for a float with neither
  // "step", "values" nor "grid_points".
  std::vector<Json> grid() const;
  // How many values grid() returns, and the i-th of them, without building the list.
  size_t grid_count() const;
  Json grid_value(size_t i) const;

  // A random value: uniform (log-uniform if log) over the domain; ints inclusive, steps and
  // pow2 exponents uniform, categoricals uniform.
  Json sample(std::mt19937_64& rng) const;
  // Whether `value` is in the domain (numbers with a small tolerance).
  bool contains(const Json& value) const;
  // `value` with this parameter's JSON type (ints as integers, floats as doubles), so that
  // configs read back from storage compare equal to freshly sampled ones.
  Json normalize(const Json& value) const;
  // Number of distinct values random sampling can give; 0 for a continuous float.
  size_t level_count() const;
  // The i-th of those values (i < level_count()), in increasing order.
  Json level(size_t i) const;
  // The domain in words for messages: "int in [1, 3]", "one of [\"adam\",\"sgd\"]".
  std::string describe_domain() const;
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

  // Calls `visit` on each grid config in grid() order without building the whole list; stops
  // early when `visit` returns false.
  void visit_grid(const std::function<bool(const Config&)>& visit) const;
  // Number of distinct configs random sampling can give (conditions respected; saturates at
  // SIZE_MAX), or nullopt when some float is continuous.
  std::optional<size_t> finite_size() const;
  // The space's active parameters of `config` only, each normalized: the form in which two
  // configs are compared for equality (a stored trial config holds fixed params too).
  Config normalize(const Config& config) const;
  // The source named in errors ("configs/x.json: space").
  const std::string& where() const { return where_; }

 private:
  std::vector<size_t> grid_counts() const;  // per parameter; ConfigError naming a gridless float

  std::vector<Param> params_;
  std::vector<size_t> dim_owner_;
  std::string where_ = "space";
};

}  // namespace tune
