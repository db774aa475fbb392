// Space: conditions, sampling, grids, the unit-cube encoding and validation of configs.
#include "space/space.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "common/error.h"

namespace tune {
namespace {

size_t saturating_mul(size_t a, size_t b) {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a)
    return std::numeric_limits<size_t>::max();
  return a * b;
}

size_t saturating_add(size_t a, size_t b) {
  return b > std::numeric_limits<size_t>::max() - a ? std::numeric_limits<size_t>::max() : a + b;
}

}  // namespace

const Param* Space::find(const std::string& name) const {
  for (const Param& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

bool Space::is_active(const Param& param, const Config& config) const {
  if (!param.when) return true;
  const Param* parent = find(param.when->parent);
  if (!parent || !config.is_object() || !config.contains(parent->name)) return false;
  return is_active(*parent, config) && param.when->holds(config.at(parent->name));
}

Config Space::sample(std::mt19937_64& rng) const {
  Config out = Json::object();
  for (const Param& p : params_)
    if (is_active(p, out)) out[p.name] = p.sample(rng);
  return out;
}

namespace {

// Counts configs over the parameters from `i` on, given the values fixed so far. Parameters
// that are nobody's parent only multiply the count; parents branch, since their value decides
// which children are active.
size_t count_from(const Space& space, size_t i, Config& partial, const std::vector<size_t>& counts,
                  const std::vector<bool>& is_parent,
                  const std::function<Json(const Param&, size_t)>& value_at) {
  const auto& params = space.params();
  if (i == params.size()) return 1;
  const Param& p = params[i];
  if (!space.is_active(p, partial))
    return count_from(space, i + 1, partial, counts, is_parent, value_at);
  if (!is_parent[i])
    return saturating_mul(counts[i],
                          count_from(space, i + 1, partial, counts, is_parent, value_at));
  size_t total = 0;
  for (size_t k = 0; k < counts[i]; ++k) {
    partial[p.name] = value_at(p, k);
    total = saturating_add(total, count_from(space, i + 1, partial, counts, is_parent, value_at));
  }
  partial.erase(p.name);
  return total;
}

std::vector<bool> parent_flags(const Space& space) {
  std::vector<bool> flags(space.params().size(), false);
  for (const Param& p : space.params()) {
    if (!p.when) continue;
    for (size_t j = 0; j < space.params().size(); ++j)
      if (space.params()[j].name == p.when->parent) flags[j] = true;
  }
  return flags;
}

// Values are generated one at a time, so a huge grid costs no memory.
bool visit_from(const Space& space, size_t i, Config& partial, const std::vector<size_t>& counts,
                const std::function<bool(const Config&)>& visit) {
  const auto& params = space.params();
  if (i == params.size()) return visit(partial);
  const Param& p = params[i];
  if (!space.is_active(p, partial)) return visit_from(space, i + 1, partial, counts, visit);
  for (size_t k = 0; k < counts[i]; ++k) {
    partial[p.name] = p.grid_value(k);
    if (!visit_from(space, i + 1, partial, counts, visit)) return false;
  }
  partial.erase(p.name);
  return true;
}

}  // namespace

void Space::visit_grid(const std::function<bool(const Config&)>& visit) const {
  std::vector<size_t> counts = grid_counts();
  Config partial = Json::object();
  visit_from(*this, 0, partial, counts, visit);
}

std::vector<Config> Space::grid() const {
  std::vector<Config> out;
  visit_grid([&](const Config& c) {
    out.push_back(c);
    return true;
  });
  return out;
}

std::vector<size_t> Space::grid_counts() const {
  std::vector<size_t> counts;
  for (const Param& p : params_) {
    try {
      counts.push_back(p.grid_count());
    } catch (const ConfigError&) {
      throw ConfigError(where_ + "." + p.name,
                        "a float parameter needs \"values\" (a list), \"grid_points\" (a count) "
                        "or \"step\" to be searched on a grid");
    }
  }
  return counts;
}

size_t Space::grid_size() const {
  std::vector<size_t> counts = grid_counts();
  Config partial = Json::object();
  return count_from(*this, 0, partial, counts, parent_flags(*this),
                    [](const Param& p, size_t k) { return p.grid_value(k); });
}

std::optional<size_t> Space::finite_size() const {
  std::vector<size_t> counts;
  for (const Param& p : params_) {
    if (p.level_count() == 0) return std::nullopt;
    counts.push_back(p.level_count());
  }
  Config partial = Json::object();
  return count_from(*this, 0, partial, counts, parent_flags(*this),
                    [](const Param& p, size_t k) { return p.level(k); });
}

size_t Space::encoded_dims() const {
  return dim_owner_.size();
}

std::vector<double> Space::encode(const Config& config) const {
  std::vector<double> out;
  out.reserve(dim_owner_.size());
  for (const Param& p : params_) {
    const bool present = config.is_object() && config.contains(p.name) && is_active(p, config);
    if (p.kind == ParamKind::Categorical) {
      std::vector<double> block(p.choices.size(), 0.0);
      if (present) {
        auto it = std::find(p.choices.begin(), p.choices.end(), config.at(p.name));
        if (it != p.choices.end()) block[static_cast<size_t>(it - p.choices.begin())] = 1.0;
      }
      out.insert(out.end(), block.begin(), block.end());
    } else {
      out.push_back(present ? p.to_unit(config.at(p.name)) : 0.5);
    }
  }
  return out;
}

Config Space::decode(const std::vector<double>& point) const {
  if (point.size() != dim_owner_.size())
    throw std::invalid_argument("Space::decode: point has " + std::to_string(point.size()) +
                                " coordinates, the space encodes to " +
                                std::to_string(dim_owner_.size()));
  Config out = Json::object();
  size_t d = 0;
  for (const Param& p : params_) {
    const size_t dims = p.kind == ParamKind::Categorical ? p.choices.size() : 1;
    if (is_active(p, out)) {
      if (p.kind == ParamKind::Categorical) {
        auto best = std::max_element(point.begin() + d, point.begin() + d + dims);
        out[p.name] = p.choices[static_cast<size_t>(best - (point.begin() + d))];
      } else {
        out[p.name] = p.from_unit(point[d]);
      }
    }
    d += dims;
  }
  return out;
}

Config Space::normalize(const Config& config) const {
  Config out = Json::object();
  if (!config.is_object()) return out;
  for (const Param& p : params_)
    if (config.contains(p.name) && is_active(p, out)) out[p.name] = p.normalize(config.at(p.name));
  return out;
}

void Space::validate(const Config& config, const std::string& where) const {
  if (!config.is_object()) throw ConfigError(where, "expected a JSON object of parameters");
  for (const Param& p : params_)
    if (config.contains(p.name) && !p.contains(config.at(p.name)))
      throw ConfigError(where + "." + p.name,
                        "value " + config.at(p.name).dump() + " is not " + p.describe_domain());
}

}  // namespace tune
