#include "study/export.h"

#include <cstdio>
#include <set>

namespace tune {
namespace {

std::optional<double> duration(const TrialSnapshot& t) {
  if (t.end_time <= 0) return std::nullopt;
  return t.end_time - t.start_time;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_value(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return csv_cell(value.get<std::string>());
  return csv_cell(dump_json(value));
}

std::vector<std::string> param_columns(const std::vector<TrialSnapshot>& trials) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& t : trials)
    for (const auto& [k, v] : t.params.items())
      if (seen.insert(k).second) names.push_back(k);
  return names;
}

}  // namespace

Json trial_to_json(const TrialSnapshot& t) {
  auto d = duration(t);
  return {{"number", t.number},
          {"state", to_string(t.state)},
          {"params", t.params},
          {"value", t.value ? Json(*t.value) : Json()},
          {"metrics", t.metrics},
          {"summary", t.summary},
          {"start", t.start_time},
          {"end", t.end_time > 0 ? Json(t.end_time) : Json()},
          {"duration", d ? Json(*d) : Json()},
          {"device", t.device},
          {"worker", t.worker},
          {"error", t.error}};
}

Json trials_to_json(const std::vector<TrialSnapshot>& trials) {
  Json out = Json::array();
  for (const auto& t : trials) out.push_back(trial_to_json(t));
  return out;
}

std::string trials_to_csv(const std::vector<TrialSnapshot>& trials) {
  std::vector<std::string> params = param_columns(trials);
  std::string out = "number,state,value,duration";
  for (const auto& p : params) out += "," + csv_cell(p);
  out += ",device,error\n";
  for (const auto& t : trials) {
    out += std::to_string(t.number) + "," + to_string(t.state) + ",";
    out += t.value ? Json(*t.value).dump() : "";
    char seconds[32] = "";
    if (auto d = duration(t)) std::snprintf(seconds, sizeof seconds, "%.3f", *d);
    out += std::string(",") + seconds;
    for (const auto& p : params)
      out += "," + (t.params.contains(p) ? csv_value(t.params.at(p)) : std::string());
    out += "," + csv_cell(t.device) + "," + csv_cell(t.error) + "\n";
  }
  return out;
}

}  // namespace tune
