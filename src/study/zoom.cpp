// Narrowing a space around a study's best trials (see zoom.h).
#include "study/zoom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

#include "common/error.h"
#include "space/space.h"
#include "study/study.h"

namespace tune {
namespace {

// Floating-point slack when rounding outward, so that 3.0000000001 steps count as 3.
constexpr double kSlack = 1e-9;

struct Range {
  double low, high;
};

// The top trials' values of `p`, from the trials where it is active. Values outside the
// stored domain (a trial of an earlier run over another space) are left out.
std::vector<Json> active_values(const Space& space, const Param& p,
                                const std::vector<TrialSnapshot>& top) {
  std::vector<Json> out;
  for (const TrialSnapshot& t : top)
    if (t.params.is_object() && t.params.contains(p.name) && space.is_active(p, t.params) &&
        p.contains(t.params.at(p.name)))
      out.push_back(t.params.at(p.name));
  return out;
}

// Positions on the parameter's own scale: log for log and pow2 parameters.
double to_scale(const Param& p, double x) {
  return p.log ? std::log(x) : x;
}

double from_scale(const Param& p, double y) {
  return p.log ? std::exp(y) : y;
}

// The span of `values` widened by `margin` on each side, clipped to the old bounds.
Range widened(const Param& p, const std::vector<Json>& values, double margin) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const Json& v : values) {
    const double y = to_scale(p, v.get<double>());
    low = std::min(low, y);
    high = std::max(high, y);
  }
  const double span = high - low, old = to_scale(p, p.high) - to_scale(p, p.low);
  const double m = margin * (span > 0 ? span : old);
  return {std::max(p.low, from_scale(p, low - m)), std::min(p.high, from_scale(p, high + m))};
}

// Rounds away binary noise (0.30000000000000004 -> 0.3) so step bounds print as written.
double tidy(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", v);
  return std::strtod(text, nullptr);
}

// `r` rounded outward to the parameter's levels: powers of two, the old step grid, integers.
Range snapped(const Param& p, Range r) {
  if (p.pow2) {
    r = {std::exp2(std::floor(std::log2(r.low) + kSlack)),
         std::exp2(std::ceil(std::log2(r.high) - kSlack))};
  } else if (p.step) {
    const double s = *p.step;
    r = {tidy(p.low + std::floor((r.low - p.low) / s + kSlack) * s),
         tidy(p.low + std::ceil((r.high - p.low) / s - kSlack) * s)};
  } else if (p.kind == ParamKind::Int) {
    r = {std::floor(r.low + kSlack), std::ceil(r.high - kSlack)};
  }
  return {std::max(p.low, r.low), std::min(p.high, r.high)};
}

Json bound(const Param& p, double x) {
  return p.kind == ParamKind::Int ? Json(static_cast<int64_t>(std::llround(x))) : Json(x);
}

Json narrowed_numeric(const Param& p, Json spec, const std::vector<Json>& values, double margin) {
  const Range r = snapped(p, widened(p, values, margin));
  if (spec.contains("low")) {
    spec["low"] = bound(p, r.low);
    spec["high"] = bound(p, r.high);
  }
  if (spec.contains("values")) {
    Json kept = Json::array();
    const double eps = 1e-9 * std::max(1.0, r.high - r.low);
    for (const Json& v : spec["values"])
      if (v.get<double>() >= r.low - eps && v.get<double>() <= r.high + eps) kept.push_back(v);
    spec["values"] = kept;
  }
  return spec;
}

Json narrowed_choices(const Param& p, Json spec, const std::vector<Json>& values) {
  Json kept = Json::array();
  for (const Json& c : p.choices)
    if (std::find(values.begin(), values.end(), c) != values.end()) kept.push_back(c);
  spec["choices"] = kept;
  return spec;
}

// One parameter as the new spec gives it (its condition left out), for checks and messages.
Param parsed_alone(const std::string& name, Json spec, const std::string& where) {
  spec.erase("when");
  return Space::from_json(Json{{name, spec}}, where).params().front();
}

// The condition rewritten for the narrowed parent: values it no longer takes dropped; nullopt
// when the condition can no longer hold.
std::optional<Json> adapted_when(const Param& child, const Param& parent) {
  const Condition& c = *child.when;
  Json when = Json{{c.parent, Json()}};
  if (c.op == "in" || c.op == "==") {
    Json kept = Json::array();
    for (const Json& v : c.values)
      if (parent.contains(v)) kept.push_back(v);
    if (kept.empty()) return std::nullopt;
    when[c.parent] = kept;
    return when;
  }
  if (c.op == "!=") {
    if (parent.contains(c.values[0])) return Json{{c.parent, {{"!=", c.values[0]}}}};
    // The excluded value is gone: the condition holds whenever the parent is active.
    if (parent.kind == ParamKind::Categorical) return Json{{c.parent, parent.choices}};
    return Json{{c.parent, {{">=", bound(parent, parent.low)}}}};
  }
  std::vector<Json> probes = parent.choices;
  if (parent.kind != ParamKind::Categorical)
    probes = {parent.level_count() ? parent.level(0) : Json(parent.low), Json(parent.high)};
  for (const Json& v : probes)
    if (c.holds(v)) return Json{{c.parent, {{c.op, c.values[0]}}}};
  return std::nullopt;
}

struct Narrowed {
  Json space = Json::object();
  std::vector<ZoomChange> changes;
};

Narrowed narrow_space(const Json& old_space, const Space& space,
                      const std::vector<TrialSnapshot>& top, double margin,
                      const std::string& where) {
  Narrowed out;
  std::set<std::string> dropped;
  for (const Param& p : space.params()) {  // parents before children
    ZoomChange change{p.name, p.describe_domain(), ""};
    Json spec = old_space.at(p.name);
    if (p.when && dropped.count(p.when->parent)) {
      dropped.insert(p.name);
      out.changes.push_back({p.name, change.before, "dropped: its parent was dropped"});
      continue;
    }
    const std::vector<Json> values = active_values(space, p, top);
    if (!values.empty())
      spec = p.kind == ParamKind::Categorical ? narrowed_choices(p, spec, values)
                                              : narrowed_numeric(p, spec, values, margin);
    if (p.when) {
      const Param parent = parsed_alone(p.when->parent, out.space.at(p.when->parent), where);
      std::optional<Json> when = adapted_when(p, parent);
      if (!when) {
        dropped.insert(p.name);
        out.changes.push_back(
            {p.name, change.before,
             "dropped: its condition on \"" + p.when->parent + "\" can no longer hold"});
        continue;
      }
      spec["when"] = *when;
    }
    change.after = parsed_alone(p.name, spec, where).describe_domain();
    if (values.empty()) change.after += " (unchanged: active in no top trial)";
    out.space[p.name] = spec;
    out.changes.push_back(change);
  }
  return out;
}

}  // namespace

std::vector<TrialSnapshot> zoom_top_trials(const std::vector<TrialSnapshot>& trials,
                                           Direction direction, const ZoomOptions& options,
                                           const std::string& where) {
  std::vector<TrialSnapshot> order = ranked(trials, direction);
  if (order.size() < 2)
    throw ConfigError(where, "zoom needs at least 2 complete trials, the study has " +
                                 std::to_string(order.size()));
  size_t count = options.top ? static_cast<size_t>(*options.top)
                             : std::max<size_t>(2, static_cast<size_t>(std::ceil(
                                                       options.quantile * order.size() - kSlack)));
  order.resize(std::min(count, order.size()));
  return order;
}

ZoomResult zoom_experiment(const Json& experiment, const std::vector<TrialSnapshot>& top,
                           double margin, const std::string& where) {
  if (!experiment.is_object() || !experiment.contains("space") ||
      !experiment.at("space").is_object() || experiment.at("space").empty())
    throw ConfigError(where, "the study's experiment has no space to narrow");
  const Space space = Space::from_json(experiment.at("space"), where);
  Narrowed narrowed = narrow_space(experiment.at("space"), space, top, margin, where);
  Space::from_json(narrowed.space, where);  // the new file must load; a bug here is ours
  ZoomResult out;
  out.experiment = experiment;
  out.experiment["space"] = narrowed.space;
  out.experiment["name"] = experiment.value("name", std::string("experiment")) + "-zoom";
  out.top_trials = static_cast<int>(top.size());
  out.changes = std::move(narrowed.changes);
  return out;
}

}  // namespace tune
