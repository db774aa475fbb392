// Space::from_json: reads the experiment's "space" object into parameters, checks every rule
// (naming the parameter in each error), and orders parents before children.
#include <cmath>
#include <map>
#include <set>

#include "common/error.h"
#include "common/hparams.h"
#include "space/space.h"

namespace tune {
namespace {

const std::vector<std::string> kTypes = {"int", "float", "pow2", "categorical"};
const std::map<std::string, std::vector<std::string>> kKeys = {
    {"int", {"type", "when", "low", "high", "step", "log"}},
    {"float", {"type", "when", "low", "high", "step", "log", "values", "grid_points"}},
    {"pow2", {"type", "when", "low", "high"}},
    {"categorical", {"type", "when", "choices"}},
};
const std::vector<std::string> kOps = {"in", "==", "!=", ">=", ">", "<=", "<"};

bool is_power_of_two(double x) {
  return x >= 1 && x == std::floor(x) && std::exp2(std::round(std::log2(x))) == x;
}

double number(const Json& spec, const char* key, const std::string& where) {
  const Json& v = spec.at(key);
  if (!v.is_number())
    throw ConfigError(where, std::string("\"") + key + "\" must be a number, got " + describe(v));
  double x = v.get<double>();
  if (!std::isfinite(x)) throw ConfigError(where, std::string("\"") + key + "\" must be finite");
  return x;
}

void check_keys(const Json& spec, const std::string& type, const std::string& where) {
  const auto& allowed = kKeys.at(type);
  for (const auto& item : spec.items())
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      throw ConfigError(where, "unknown key \"" + item.key() + "\" for a " + type +
                                   " parameter; allowed: " + join(allowed));
}

void read_bounds(Param& p, const Json& spec, const std::string& where) {
  for (const char* key : {"low", "high"})
    if (!spec.contains(key)) throw ConfigError(where, std::string("missing \"") + key + "\"");
  p.low = number(spec, "low", where);
  p.high = number(spec, "high", where);
  if (p.low > p.high)
    throw ConfigError(where, "low (" + describe(spec["low"]) + ") is greater than high (" +
                                 describe(spec["high"]) + ")");
}

void read_log(Param& p, const Json& spec, const std::string& where) {
  if (!spec.contains("log")) return;
  if (!spec["log"].is_boolean())
    throw ConfigError(where, "\"log\" must be true or false, got " + describe(spec["log"]));
  p.log = spec["log"].get<bool>();
  if (p.log && p.low <= 0)
    throw ConfigError(where, "log scale needs low > 0, got low " + describe(spec["low"]));
}

void read_step(Param& p, const Json& spec, const std::string& where) {
  if (!spec.contains("step")) return;
  double step = number(spec, "step", where);
  if (step <= 0) throw ConfigError(where, "step must be > 0, got " + describe(spec["step"]));
  if (p.log) throw ConfigError(where, "step cannot be combined with log: use one or the other");
  if (p.kind == ParamKind::Int && step != std::floor(step))
    throw ConfigError(where,
                      "step of an int must be a whole number, got " + describe(spec["step"]));
  double k = (p.high - p.low) / step;
  if (std::fabs(k - std::round(k)) > 1e-9 * std::max(1.0, k))
    throw ConfigError(where, "step " + describe(spec["step"]) + " does not divide high - low (" +
                                 Json(p.high - p.low).dump() +
                                 "); make high - low a multiple of it");
  p.step = step;
}

void read_int(Param& p, const Json& spec, const std::string& where) {
  p.kind = ParamKind::Int;
  read_bounds(p, spec, where);
  if (p.low != std::floor(p.low) || p.high != std::floor(p.high))
    throw ConfigError(where, "low and high of an int must be whole numbers");
  read_log(p, spec, where);
  read_step(p, spec, where);
}

void read_grid_values(Param& p, const Json& spec, const std::string& where) {
  const Json& values = spec["values"];
  if (!values.is_array() || values.empty())
    throw ConfigError(where, "\"values\" must be a non-empty list of numbers");
  std::set<double> seen;
  for (const Json& v : values) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw ConfigError(where, "\"values\" must hold numbers, got " + describe(v));
    if (!seen.insert(v.get<double>()).second)
      throw ConfigError(where, "\"values\" lists " + describe(v) + " twice");
    p.grid_values.emplace_back(v.get<double>());
  }
}

void read_float(Param& p, const Json& spec, const std::string& where) {
  p.kind = ParamKind::Float;
  if (spec.contains("values")) read_grid_values(p, spec, where);
  if (!p.grid_values.empty() && !spec.contains("low") && !spec.contains("high")) {
    p.low = *std::min_element(p.grid_values.begin(), p.grid_values.end());
    p.high = *std::max_element(p.grid_values.begin(), p.grid_values.end());
  } else {
    read_bounds(p, spec, where);
  }
  read_log(p, spec, where);
  read_step(p, spec, where);
  if (p.step && !p.grid_values.empty())
    throw ConfigError(where,
                      "\"values\" cannot be combined with \"step\": the step already "
                      "defines the grid");
  for (const Json& v : p.grid_values)
    if (!p.contains(v))
      throw ConfigError(where, "grid value " + v.dump() + " is not " + p.describe_domain());
  if (spec.contains("grid_points")) {
    const Json& g = spec["grid_points"];
    if (!g.is_number_integer() || g.get<long long>() < 2 || g.get<long long>() > 1000000)
      throw ConfigError(where,
                        "\"grid_points\" must be an integer in [2, 1000000], got " + describe(g));
    if (!p.grid_values.empty() || p.step)
      throw ConfigError(where, "\"grid_points\" cannot be combined with \"values\" or \"step\"");
    p.grid_points = g.get<int>();
  }
}

void read_pow2(Param& p, const Json& spec, const std::string& where) {
  p.kind = ParamKind::Int;
  p.pow2 = true;
  p.log = true;
  read_bounds(p, spec, where);
  for (double bound : {p.low, p.high})
    if (!is_power_of_two(bound))
      throw ConfigError(where,
                        "low and high of a pow2 parameter must be powers of two (1, 2, 4, "
                        "...), got " +
                            Json(bound).dump());
}

void read_categorical(Param& p, const Json& spec, const std::string& where) {
  p.kind = ParamKind::Categorical;
  if (!spec.contains("choices") || !spec["choices"].is_array() || spec["choices"].empty())
    throw ConfigError(where, "\"choices\" must be a non-empty list");
  for (const Json& c : spec["choices"]) {
    if (std::find(p.choices.begin(), p.choices.end(), c) != p.choices.end())
      throw ConfigError(where, "choice " + c.dump() + " is listed twice");
    p.choices.push_back(c);
  }
}

Condition read_condition(const Json& when, const std::string& where) {
  const std::string usage =
      "expected {\"parent\": value}, {\"parent\": [values]} or {\"parent\": {\">=\": 3}}";
  if (!when.is_object() || when.size() != 1)
    throw ConfigError(where, usage + " with exactly one parent, got " + when.dump());
  Condition c;
  c.parent = when.begin().key();
  // Copies: a reference through the temporary iterator would dangle (g++ 13 warns).
  const Json v = when.begin().value();
  if (v.is_array()) {
    if (v.empty()) throw ConfigError(where, "the list of values of the condition is empty");
    c.values.assign(v.begin(), v.end());
  } else if (v.is_object()) {
    if (v.size() != 1 || std::find(kOps.begin(), kOps.end(), v.begin().key()) == kOps.end())
      throw ConfigError(where,
                        "a condition takes one operator among " + join(kOps) + ", got " + v.dump());
    c.op = v.begin().key();
    const Json operand = v.begin().value();
    if (c.op == "in") {
      if (!operand.is_array() || operand.empty())
        throw ConfigError(where, "\"in\" takes a non-empty list, got " + operand.dump());
      c.values.assign(operand.begin(), operand.end());
    } else {
      if (c.op != "==" && c.op != "!=" && !operand.is_number())
        throw ConfigError(where, "\"" + c.op + "\" takes a number, got " + operand.dump());
      c.values = {operand};
    }
  } else {
    c.values = {v};
  }
  return c;
}

Param read_param(const std::string& name, const Json& spec, const std::string& where) {
  if (!spec.is_object())
    throw ConfigError(where,
                      "expected an object such as {\"type\": \"float\", \"low\": 0, "
                      "\"high\": 1}, got " +
                          spec.dump());
  if (!spec.contains("type") || !spec["type"].is_string() ||
      std::find(kTypes.begin(), kTypes.end(), spec["type"].get<std::string>()) == kTypes.end())
    throw ConfigError(where, "unknown or missing \"type\" " +
                                 (spec.contains("type") ? spec["type"].dump() : std::string()) +
                                 "; allowed: " + join(kTypes));
  const std::string type = spec["type"];
  check_keys(spec, type, where);
  Param p;
  p.name = name;
  if (type == "int") read_int(p, spec, where);
  if (type == "float") read_float(p, spec, where);
  if (type == "pow2") read_pow2(p, spec, where);
  if (type == "categorical") read_categorical(p, spec, where);
  if (spec.contains("when")) p.when = read_condition(spec["when"], where + ".when");
  return p;
}

// A condition must name another parameter and be able to hold for some value of it.
void check_condition(const Param& child, const Param& parent, const std::string& where) {
  const Condition& c = *child.when;
  if (c.op == "in" || c.op == "==" || c.op == "!=") {
    for (const Json& v : c.values)
      if (!parent.contains(v))
        throw ConfigError(where, "condition value " + v.dump() + " is not a value of \"" +
                                     parent.name + "\" (" + parent.describe_domain() + ")");
    return;
  }
  bool numeric_parent = parent.kind != ParamKind::Categorical;
  for (const Json& choice : parent.choices) numeric_parent = numeric_parent || choice.is_number();
  if (!numeric_parent)
    throw ConfigError(where, "\"" + c.op + "\" needs a numeric parent, but \"" + parent.name +
                                 "\" is " + parent.describe_domain());
  // The tests are monotone, so over an interval checking both ends suffices.
  std::vector<Json> probes = parent.choices;
  if (parent.kind != ParamKind::Categorical)
    probes = {parent.level_count() ? parent.level(0) : Json(parent.low), Json(parent.high)};
  bool can_hold = false;
  for (const Json& v : probes) can_hold = can_hold || c.holds(v);
  if (!can_hold)
    throw ConfigError(where, "condition {\"" + c.op + "\": " + c.values[0].dump() +
                                 "} never holds: \"" + parent.name + "\" is " +
                                 parent.describe_domain());
}

// Depth-first: each parameter after its parent; a parameter met again while being placed is a
// cycle.
void place(size_t i, const std::vector<Param>& all, const std::map<std::string, size_t>& index,
           std::vector<int>& state, std::vector<Param>& out, const std::string& where) {
  if (state[i] == 2) return;
  const Param& p = all[i];
  if (state[i] == 1)
    throw ConfigError(where + "." + p.name, "conditions form a cycle through \"" + p.name + "\"");
  state[i] = 1;
  if (p.when) place(index.at(p.when->parent), all, index, state, out, where);
  state[i] = 2;
  out.push_back(p);
}

}  // namespace

Space Space::from_json(const Json& space, const std::string& where) {
  Space s;
  s.where_ = where;
  if (space.is_null()) return s;
  if (!space.is_object()) throw ConfigError(where, "expected an object of parameters");
  std::vector<Param> all;
  std::map<std::string, size_t> index;
  std::vector<std::string> names;
  for (const auto& item : space.items()) {
    if (item.key().empty()) throw ConfigError(where, "a parameter has an empty name");
    index[item.key()] = all.size();
    names.push_back(item.key());
    all.push_back(read_param(item.key(), item.value(), where + "." + item.key()));
  }
  for (const Param& p : all) {
    if (!p.when) continue;
    const std::string at = where + "." + p.name + ".when";
    if (!index.count(p.when->parent))
      throw ConfigError(at, "condition on unknown parameter \"" + p.when->parent +
                                "\"; parameters: " + join(names));
    if (p.when->parent == p.name)
      throw ConfigError(at, "\"" + p.name + "\" cannot be conditioned on itself (a cycle)");
    check_condition(p, all[index.at(p.when->parent)], at);
  }
  std::vector<int> state(all.size(), 0);
  for (size_t i = 0; i < all.size(); ++i) place(i, all, index, state, s.params_, where);
  for (size_t i = 0; i < s.params_.size(); ++i) {
    const Param& p = s.params_[i];
    size_t dims = p.kind == ParamKind::Categorical ? p.choices.size() : 1;
    s.dim_owner_.insert(s.dim_owner_.end(), dims, i);
  }
  return s;
}

}  // namespace tune
