#include "common/experiment.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/hparams.h"

namespace tune {
namespace {

const std::vector<std::string> kSections = {
    "name",   "data",    "params",     "callbacks", "objective",   "space",  "strategy", "devices",
    "trials", "timeout", "on_timeout", "seed",      "description", "pruner", "storage"};

std::string stem(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

Json object_section(const Json& root, const std::string& key, const std::string& source) {
  if (!root.contains(key) || root.at(key).is_null()) return Json::object();
  const Json& v = root.at(key);
  if (!v.is_object()) throw ConfigError(source + ": " + key, "expected an object, got " + v.dump());
  return v;
}

// "strategy": "random" is short for {"name": "random"}; likewise "pruner".
Json named_section(const Json& root, const std::string& key, const std::string& source) {
  if (root.contains(key) && root.at(key).is_string()) return Json{{"name", root.at(key)}};
  return object_section(root, key, source);
}

}  // namespace

std::string Experiment::where(const std::string& section) const {
  return (path.empty() ? std::string("experiment") : path) + ": " + section;
}

std::string Experiment::where(const std::string& section, const std::string& field) const {
  auto flag = flag_origins.find(section + "." + field);
  return flag != flag_origins.end() ? flag->second : where(section) + "." + field;
}

std::map<std::string, std::string> Experiment::origins(const std::string& section) const {
  std::map<std::string, std::string> out;
  const std::string prefix = section + ".";
  for (const auto& [field, flag] : flag_origins)
    if (field.rfind(prefix, 0) == 0) out[field.substr(prefix.size())] = flag;
  return out;
}

Config Experiment::trial_config(const Config& sampled) const {
  Config out = params;
  for (const auto& [k, v] : sampled.items()) out[k] = v;
  return out;
}

Json Experiment::to_json() const {
  Json j = {{"name", name},           {"data", data},           {"params", params},
            {"callbacks", callbacks}, {"objective", objective}, {"space", space},
            {"strategy", strategy},   {"devices", devices},     {"seed", seed},
            {"pruner", pruner}};
  if (trials) j["trials"] = *trials;
  if (timeout) j["timeout"] = *timeout;
  j["on_timeout"] = on_timeout;
  return j;
}

std::string timeout_problem(double seconds) {
  if (seconds > 0 && seconds <= kMaxTimeoutSeconds) return "";
  std::ostringstream out;
  out << "must be in (0, " << static_cast<long long>(kMaxTimeoutSeconds)
      << "] seconds (up to ten years), got " << seconds;
  return out.str();
}

const std::vector<std::string>& on_timeout_choices() {
  static const std::vector<std::string> choices = {"finish", "stop"};
  return choices;
}

Experiment parse_experiment(const Json& root, const std::string& source) {
  if (!root.is_object()) throw ConfigError(source, "expected a JSON object at the top level");
  for (const auto& [key, value] : root.items()) {
    bool known = false;
    for (const auto& s : kSections) known = known || s == key;
    if (!known)
      throw ConfigError(source + ": " + key, "unknown top-level key; allowed: " + join(kSections));
  }
  Experiment e;
  e.path = source;
  Hyperparameters top(root, source);
  e.name = top.text("name", stem(source));
  e.data = object_section(root, "data", source);
  e.params = object_section(root, "params", source);
  e.callbacks = object_section(root, "callbacks", source);
  e.objective = object_section(root, "objective", source);
  e.space = object_section(root, "space", source);
  e.devices = object_section(root, "devices", source);
  e.objective_spec = ObjectiveSpec::parse(e.objective, source + ": objective");
  e.strategy = named_section(root, "strategy", source);
  e.pruner = named_section(root, "pruner", source);
  if (top.has("trials")) e.trials = static_cast<int>(top.integer("trials", 0, 1, kMaxTrials));
  if (top.has("timeout")) {
    e.timeout = top.real("timeout", 0);
    if (std::string bad = timeout_problem(*e.timeout); !bad.empty()) top.fail("timeout", bad);
  }
  e.on_timeout = top.choice("on_timeout", "finish", on_timeout_choices());
  e.seed = static_cast<uint64_t>(top.integer("seed", 0, 0));
  e.storage = top.text("storage", "");
  return e;
}

Experiment load_experiment(const std::string& path) {
  // A directory opens as a stream that reads nothing, which would pass for "invalid JSON".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path, "is a directory; expected an experiment file (JSON)");
  std::ifstream in(path);
  if (!in) throw ConfigError(path, "cannot open the experiment file");
  std::stringstream text;
  text << in.rdbuf();
  Json root;
  try {
    root = Json::parse(text.str());
  } catch (const Json::exception& e) {  // parse errors, and numbers too large (1e400)
    throw ConfigError(path, std::string("invalid JSON: ") + e.what());
  }
  return parse_experiment(root, path);
}

std::string apply_set(Experiment& e, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment, "expected name=value");
  std::string name = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  Json value;
  try {
    value = Json::parse(text);
  } catch (const Json::exception&) {  // not JSON (or a number JSON cannot hold): a string
    value = text;
  }
  e.params[name] = value;
  e.flag_origins["params." + name] = "--set " + name;
  return name;
}

}  // namespace tune
