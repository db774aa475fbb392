#include "report/report_data.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/objective_spec.h"
#include "report/importance.h"
#include "space/space.h"
#include "study/study_dir.h"

namespace tune {

struct StudyReport::State {
  ChangeCursor cursor;
  std::map<int, TrialSnapshot> trials;                        // by number, without metrics
  std::map<int, std::vector<std::pair<int, double>>> curves;  // by number: (epoch, value)
};

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Json number_or_null(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return Json();
  return *value;
}

const char* kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::Int:
      return "int";
    case ParamKind::Float:
      return "float";
    case ParamKind::Categorical:
      return "categorical";
  }
  return "float";
}

Json param_to_json(const Param& p) {
  Json j = {{"name", p.name}, {"kind", kind_name(p.kind)}, {"log", p.log || p.pow2}};
  if (p.kind == ParamKind::Categorical) {
    j["choices"] = p.choices;
  } else {
    j["low"] = p.low;
    j["high"] = p.high;
  }
  return j;
}

// The searched space as the run recorded it; nullopt for a study without a readable one.
std::optional<Space> recorded_space(const std::optional<Json>& experiment) {
  if (!experiment || !experiment->is_object() || !experiment->contains("space")) return {};
  try {
    return Space::from_json(experiment->at("space"), "study.db: experiment.space");
  } catch (const std::exception&) {
    return {};  // an experiment from another version: the page falls back on the params seen
  }
}

// Without a recorded space, the parameters the trials hold: numbers as floats over the
// observed range, anything else as categories in order of appearance.
Json observed_params(const std::map<int, TrialSnapshot>& trials) {
  std::vector<std::string> names;
  std::map<std::string, Json> params;
  for (const auto& [number, t] : trials) {
    for (const auto& [name, value] : t.params.items()) {
      auto [it, added] = params.try_emplace(name, Json{{"name", name}});
      if (added) names.push_back(name);
      Json& p = it->second;
      if (value.is_number() && !p.contains("choices")) {
        const double v = value.get<double>();
        p["kind"] = value.is_number_integer() && p.value("kind", "int") == "int" ? "int" : "float";
        p["log"] = false;
        p["low"] = p.contains("low") ? std::min(p["low"].get<double>(), v) : v;
        p["high"] = p.contains("high") ? std::max(p["high"].get<double>(), v) : v;
      } else {
        p["kind"] = "categorical";
        p["log"] = false;
        p.erase("low");
        p.erase("high");
        Json& choices = p["choices"];
        if (!choices.is_array()) choices = Json::array();
        if (std::find(choices.begin(), choices.end(), value) == choices.end())
          choices.push_back(value);
      }
    }
  }
  Json out = Json::array();
  for (const auto& name : names) out.push_back(params[name]);
  return out;
}

std::string metric_name(const std::optional<Json>& experiment) {
  if (!experiment || !experiment->is_object()) return "value";
  try {
    auto spec = ObjectiveSpec::parse(experiment->value("objective", Json::object()), "study.db");
    return spec.is_command() ? "value" : spec.monitor;
  } catch (const std::exception&) {
    return "value";
  }
}

Json importance_json(const std::optional<Space>& space, const std::vector<TrialSnapshot>& trials,
                     Direction direction) {
  const ImportanceOptions options;
  int used = 0;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete && t.value && std::isfinite(*t.value)) ++used;
  Json values = Json::array();
  if (space)
    for (const auto& imp : param_importance(*space, trials, direction, options))
      values.push_back({{"param", imp.param}, {"importance", imp.importance}});
  return {{"method", kImportanceMethod},
          {"trials", used},
          {"top_fraction", options.top_fraction},
          {"min_trials", options.min_trials},
          {"values", values}};
}

}  // namespace

StudyReport::StudyReport(Storage& storage, std::string dir)
    : storage_(storage), dir_(std::move(dir)), state_(std::make_unique<State>()) {}

StudyReport::~StudyReport() = default;

void StudyReport::refresh() {
  StudyChanges changes = storage_.changes_since(state_->cursor);
  for (auto& t : changes.trials) {
    const int number = t.number;
    state_->trials[number] = std::move(t);
  }
  for (const auto& v : changes.values) {
    auto& curve = state_->curves[v.trial];
    if (!curve.empty() && curve.back().first == v.epoch)
      curve.back().second = v.value;  // the same epoch reported again: the later value counts
    else
      curve.emplace_back(v.epoch, v.value);
  }
  state_->cursor = changes.cursor;
}

Json StudyReport::data() const {
  const auto experiment = storage_.attr(kExperimentAttr);
  const Direction direction = study_direction(storage_);
  const auto space = recorded_space(experiment);

  std::string name = dir_;
  if (experiment && experiment->is_object() && experiment->contains("name") &&
      experiment->at("name").is_string())
    name = experiment->at("name").get<std::string>();
  auto created = storage_.attr(kCreatedAttr);
  auto budget = storage_.attr(kBudgetAttr);
  Json study = {{"name", name},
                {"dir", dir_},
                {"direction", to_string(direction)},
                {"metric", metric_name(experiment)},
                {"created", created && created->is_number() ? *created : Json()},
                {"generated", now_seconds()},
                {"budget", budget && budget->is_number_integer() ? *budget : Json()}};

  Json params = Json::array();
  if (space)
    for (const auto& p : space->params()) params.push_back(param_to_json(p));
  else
    params = observed_params(state_->trials);

  // Workers in order of first appearance; each one's running trial (the latest, if several).
  struct Worker {
    std::string device;
    std::optional<int> trial;
    int finished = 0;
  };
  std::vector<std::string> worker_order;
  std::map<std::string, Worker> workers;

  Json trials = Json::array();
  Json counts = {{"complete", 0}, {"pruned", 0}, {"failed", 0}, {"running", 0}};
  std::vector<TrialSnapshot> snapshots;
  snapshots.reserve(state_->trials.size());
  for (const auto& [number, t] : state_->trials) {
    Json curve = Json::array();
    if (auto it = state_->curves.find(number); it != state_->curves.end()) {
      for (const auto& [epoch, value] : it->second) {
        if (std::isfinite(value)) curve.push_back({epoch, value});
      }
    }
    trials.push_back({{"number", t.number},
                      {"state", to_string(t.state)},
                      {"value", number_or_null(t.value)},
                      {"params", t.params},
                      {"start", t.start_time},
                      {"end", t.end_time > 0 ? Json(t.end_time) : Json()},
                      {"device", t.device},
                      {"worker", t.worker},
                      {"error", t.error},
                      {"curve", curve}});
    counts[to_string(t.state)] = counts[to_string(t.state)].get<int>() + 1;
    snapshots.push_back(t);
    if (!t.worker.empty()) {
      auto [it, added] = workers.try_emplace(t.worker);
      if (added) worker_order.push_back(t.worker);
      it->second.device = t.device;
      if (t.state == TrialState::Running)
        it->second.trial = number;
      else
        ++it->second.finished;
    }
  }

  Json worker_rows = Json::array();
  for (const auto& id : worker_order) {
    const Worker& w = workers[id];
    int epoch = 0;
    if (w.trial)
      if (auto it = state_->curves.find(*w.trial);
          it != state_->curves.end() && !it->second.empty())
        epoch = it->second.back().first;
    worker_rows.push_back({{"worker", id},
                           {"device", w.device},
                           {"trial", w.trial ? Json(*w.trial) : Json()},
                           {"epoch", epoch},
                           {"trials", w.finished}});
  }

  return {{"study", study},         {"params", params},
          {"trials", trials},       {"importance", importance_json(space, snapshots, direction)},
          {"workers", worker_rows}, {"counts", counts}};
}

}  // namespace tune
