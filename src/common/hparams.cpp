#include "common/hparams.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "common/error.h"

namespace tune {

Hyperparameters::Hyperparameters(Json config, std::string source)
    : config_(std::move(config)), source_(std::move(source)) {
  if (!config_.is_object()) throw ConfigError(source_, "expected a JSON object");
}

bool Hyperparameters::has(const std::string& name) const {
  if (reads_) reads_->names.insert(name);
  return config_.contains(name) && !config_.at(name).is_null();
}

void Hyperparameters::fail(const std::string& name, const std::string& message) const {
  auto origin = origins_.find(name);
  throw ConfigError(origin != origins_.end() ? origin->second : source_ + "." + name, message);
}

void Hyperparameters::check_keys(const std::vector<std::string>& allowed) const {
  for (const auto& [key, where] : origins_)
    if (config_.contains(key) && std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(key, "sets " + key + ", which is not a key here; allowed: " + join_names(allowed));
  tune::check_keys(config_, allowed, source_);
}

void Hyperparameters::set_origin(const std::string& name, std::string where) {
  origins_[name] = std::move(where);
}

long long Hyperparameters::integer(const std::string& name, long long fallback, long long min,
                                   long long max) const {
  if (reads_) reads_->integer_max[name] = max;
  if (!has(name)) return fallback;
  const Json& v = config_.at(name);
  long long out = 0;
  if (v.is_number_integer()) {
    out = v.get<long long>();
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
    out = static_cast<long long>(v.get<double>());
  } else {
    fail(name, "expected an integer, got " + describe(v));
  }
  if (out < min || out > max) {
    std::ostringstream msg;
    msg << "must be in [" << min << ", " << max << "], got " << out;
    fail(name, msg.str());
  }
  return out;
}

double Hyperparameters::real(const std::string& name, double fallback, double min,
                             double max) const {
  if (!has(name)) return fallback;
  const Json& v = config_.at(name);
  if (!v.is_number()) fail(name, "expected a number, got " + describe(v));
  double out = v.get<double>();
  if (!std::isfinite(out) || out < min || out > max) {
    std::ostringstream msg;
    msg << "must be in [" << min << ", " << max << "], got " << out;
    fail(name, msg.str());
  }
  return out;
}

bool Hyperparameters::boolean(const std::string& name, bool fallback) const {
  if (reads_) reads_->booleans.insert(name);
  if (!has(name)) return fallback;
  const Json& v = config_.at(name);
  if (!v.is_boolean()) fail(name, "expected true or false, got " + describe(v));
  return v.get<bool>();
}

std::string Hyperparameters::text(const std::string& name, const std::string& fallback) const {
  if (!has(name)) return fallback;
  const Json& v = config_.at(name);
  if (!v.is_string()) fail(name, "expected a string, got " + describe(v));
  return v.get<std::string>();
}

std::string Hyperparameters::choice(const std::string& name, const std::string& fallback,
                                    const std::vector<std::string>& allowed) const {
  if (reads_) reads_->choices[name] = allowed;
  std::string out = text(name, fallback);
  for (const auto& a : allowed)
    if (a == out) return out;
  fail(name, "unknown value \"" + out + "\"; allowed: " + join(allowed));
}

void check_keys(const Json& section, const std::vector<std::string>& allowed,
                const std::string& where, const std::string& separator) {
  if (!section.is_object()) return;
  for (const auto& item : section.items())
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      throw ConfigError(where + separator + item.key(),
                        "unknown key; allowed: " + join_names(allowed));
}

std::string describe(const Json& value) {
  return value.dump();
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

namespace {

// "units_12" -> ("units_", 12); names without a plain numeric suffix -> ("", -1).
std::pair<std::string, long> numbered(const std::string& name) {
  size_t digits = name.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(name[digits - 1]))) --digits;
  if (digits == name.size() || digits == 0 || name[digits - 1] != '_' || name.size() - digits > 6 ||
      (name[digits] == '0' && name.size() - digits > 1))
    return {"", -1};
  return {name.substr(0, digits), std::stol(name.substr(digits))};
}

}  // namespace

std::string join_names(const std::vector<std::string>& names) {
  std::map<std::string, std::set<long>> runs;
  for (const auto& n : names)
    if (auto [prefix, i] = numbered(n); i >= 0) runs[prefix].insert(i);
  std::vector<std::string> out;
  std::set<std::string> written;
  for (const auto& n : names) {
    auto [prefix, i] = numbered(n);
    const auto run = runs.find(prefix);
    const bool contiguous =
        run != runs.end() && run->second.size() >= 3 &&
        *run->second.rbegin() - *run->second.begin() + 1 == static_cast<long>(run->second.size());
    if (i < 0 || !contiguous) {
      out.push_back(n);
    } else if (written.insert(prefix).second) {
      out.push_back(prefix + std::to_string(*run->second.begin()) + ".." + prefix +
                    std::to_string(*run->second.rbegin()));
    }
  }
  return join(out);
}

}  // namespace tune
