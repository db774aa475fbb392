// One parameter's domain: its values, the unit-interval mapping, sampling and membership.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "space/rng.h"
#include "space/space.h"

namespace tune {
namespace {

double clamp01(double u) {
  return std::isnan(u) ? 0.5 : std::min(1.0, std::max(0.0, u));
}

// Rounds away binary noise (0.30000000000000004 -> 0.3) so grid and step values print as the
// user wrote them.
double tidy(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return std::strtod(buf, nullptr);
}

int exponent_of(double power_of_two) {
  return static_cast<int>(std::lround(std::log2(power_of_two)));
}

double tolerance(const Param& p) {
  return 1e-9 * std::max(1.0, std::fabs(p.high - p.low));
}

std::string number_text(double v) {
  return Json(v).dump();
}

// Whether the parameter is a set of evenly spaced (or pow2) levels rather than a continuum.
bool discrete(const Param& p) {
  return p.kind != ParamKind::Float || p.step.has_value();
}

// Coordinate of a number in [low, high] on a linear or log scale.
double scale_position(const Param& p, double x) {
  if (p.high <= p.low) return 0.5;
  if (p.log) return (std::log(x) - std::log(p.low)) / (std::log(p.high) - std::log(p.low));
  return (x - p.low) / (p.high - p.low);
}

double scale_value(const Param& p, double u) {
  if (u <= 0) return p.low;  // exact ends, whatever the scale
  if (u >= 1) return p.high;
  if (p.log) return std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
  return p.low + u * (p.high - p.low);
}

// Index of the level nearest to number x (ints and steps; pow2 handled by exponent).
size_t nearest_level(const Param& p, double x) {
  const size_t n = p.level_count();
  double index;
  if (p.pow2)
    index = std::log2(std::max(x, 1.0)) - exponent_of(p.low);
  else
    index = (x - p.low) / p.step.value_or(1.0);
  if (!(index > 0)) return 0;
  return std::min(n - 1, static_cast<size_t>(std::llround(index)));
}

}  // namespace

size_t Param::level_count() const {
  switch (kind) {
    case ParamKind::Categorical:
      return choices.size();
    case ParamKind::Int:
      if (pow2) return static_cast<size_t>(exponent_of(high) - exponent_of(low) + 1);
      return static_cast<size_t>(std::llround((high - low) / step.value_or(1.0))) + 1;
    case ParamKind::Float:
      if (!step) return 0;
      return static_cast<size_t>(std::llround((high - low) / *step)) + 1;
  }
  return 0;
}

Json Param::level(size_t i) const {
  switch (kind) {
    case ParamKind::Categorical:
      return choices.at(i);
    case ParamKind::Int:
      if (pow2) return Json(int64_t{1} << (exponent_of(low) + static_cast<int>(i)));
      return Json(
          static_cast<int64_t>(std::llround(low + static_cast<double>(i) * step.value_or(1.0))));
    case ParamKind::Float:
      return Json(std::min(high, tidy(low + static_cast<double>(i) * step.value_or(0.0))));
  }
  return Json();
}

Json Param::from_unit(double u) const {
  u = clamp01(u);
  if (kind == ParamKind::Categorical) {
    size_t i =
        std::min(choices.size() - 1, static_cast<size_t>(u * static_cast<double>(choices.size())));
    return choices[i];
  }
  if (pow2) {
    double e = exponent_of(low) + u * (exponent_of(high) - exponent_of(low));
    return level(nearest_level(*this, std::exp2(std::round(e))));
  }
  double x = std::min(high, std::max(low, scale_value(*this, u)));
  if (discrete(*this)) return level(nearest_level(*this, x));
  return Json(x);
}

double Param::to_unit(const Json& value) const {
  if (kind == ParamKind::Categorical) {
    auto it = std::find(choices.begin(), choices.end(), value);
    if (it == choices.end()) return 0.5;
    return (static_cast<double>(it - choices.begin()) + 0.5) / static_cast<double>(choices.size());
  }
  if (!value.is_number()) return 0.5;
  const double x = value.get<double>();
  if (pow2) {
    const int lo = exponent_of(low), hi = exponent_of(high);
    return hi == lo ? 0.5 : clamp01((std::log2(std::max(x, 1.0)) - lo) / (hi - lo));
  }
  if (log && x <= 0) return 0.0;
  return clamp01(scale_position(*this, x));
}

size_t Param::grid_count() const {
  if (kind != ParamKind::Float || step) return level_count();
  if (!grid_values.empty()) return grid_values.size();
  if (grid_points < 2)
    throw ConfigError("space." + name,
                      "a float parameter needs \"values\" (a list), \"grid_points\" (a count) "
                      "or \"step\" to be part of a grid");
  return static_cast<size_t>(grid_points);
}

Json Param::grid_value(size_t i) const {
  if (kind != ParamKind::Float || step) return level(i);
  if (!grid_values.empty()) return grid_values.at(i);
  if (i == 0) return Json(low);
  if (i + 1 >= static_cast<size_t>(grid_points)) return Json(high);
  return Json(tidy(scale_value(*this, static_cast<double>(i) / (grid_points - 1))));
}

std::vector<Json> Param::grid() const {
  const size_t n = grid_count();
  std::vector<Json> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(grid_value(i));
  return out;
}

Json Param::sample(std::mt19937_64& rng) const {
  if (kind == ParamKind::Int && log && !pow2) {
    // Log-uniform over the integers: each integer owns [k - 0.5, k + 0.5] on the log scale.
    double a = std::log(low - 0.5), b = std::log(high + 0.5);
    double x = std::exp(a + unit_double(rng) * (b - a));
    return level(nearest_level(*this, std::min(high, std::max(low, std::round(x)))));
  }
  if (discrete(*this)) return level(uniform_index(rng, level_count()));
  return Json(std::min(high, std::max(low, scale_value(*this, unit_double(rng)))));
}

bool Param::contains(const Json& value) const {
  if (kind == ParamKind::Categorical)
    return std::find(choices.begin(), choices.end(), value) != choices.end();
  if (!value.is_number()) return false;
  const double x = value.get<double>(), eps = tolerance(*this);
  if (x < low - eps || x > high + eps) return false;
  if (kind == ParamKind::Int && std::fabs(x - std::round(x)) > 1e-9) return false;
  if (pow2) return std::fabs(std::exp2(std::round(std::log2(x))) - x) < 1e-9;
  if (step) {
    double k = (x - low) / *step;
    return std::fabs(k - std::round(k)) < 1e-6;
  }
  return true;
}

Json Param::normalize(const Json& value) const {
  if (!value.is_number() || kind == ParamKind::Categorical) return value;
  if (kind == ParamKind::Int) return Json(static_cast<int64_t>(std::llround(value.get<double>())));
  return Json(value.get<double>());
}

std::string Param::describe_domain() const {
  switch (kind) {
    case ParamKind::Categorical:
      return "one of " + Json(choices).dump();
    case ParamKind::Int:
      if (pow2) return "a power of two in [" + number_text(low) + ", " + number_text(high) + "]";
      return "an integer in [" + std::to_string(std::llround(low)) + ", " +
             std::to_string(std::llround(high)) + "]" +
             (step ? " with step " + std::to_string(std::llround(*step)) : "");
    case ParamKind::Float:
      return "a number in [" + number_text(low) + ", " + number_text(high) + "]" +
             (step ? " with step " + number_text(*step) : "");
  }
  return "";
}

}  // namespace tune
