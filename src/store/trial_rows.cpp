#include "store/trial_rows.h"

#include <stdexcept>

namespace tune {

const char* const kTrialColumns =
    "number, state, params, value, summary, start_time, end_time, device, worker, error";

namespace {

// The start of a bad value for a message, quoted as JSON so that control characters and
// invalid UTF-8 from the file never reach the terminal raw.
std::string excerpt(const std::string& text) {
  constexpr size_t kMax = 40;
  std::string shown = text.size() > kMax ? text.substr(0, kMax) + "..." : text;
  return dump_json(Json(shown));
}

std::optional<Json> parse_json(const std::string& text, const std::string& what,
                               std::string& problem) {
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    problem = what + " not JSON: " + excerpt(text);
    return std::nullopt;
  }
  return value;
}

// The fields of a row whose columns all read; sets `problem` at the first one that does not.
std::optional<TrialSnapshot> read_fields(const RowView& row, std::string& problem) {
  TrialSnapshot t;
  t.number = static_cast<int>(row.integer(0));
  try {
    t.state = trial_state_from_string(row.text(1));
  } catch (const std::invalid_argument&) {
    problem = "unknown state " + excerpt(row.text(1));
    return std::nullopt;
  }
  auto params = parse_json(row.text(2), "params are", problem);
  if (!params) return std::nullopt;
  t.params = std::move(*params);
  if (!row.is_null(3) && !row.is_number(3)) {
    problem = "value is not a number: " + excerpt(row.text(3));
    return std::nullopt;
  }
  t.value = row.optional_real(3);
  auto summary = parse_json(row.text(4), "summary is", problem);
  if (!summary) return std::nullopt;
  t.summary = std::move(*summary);
  if (!row.is_number(5) || !row.is_number(6)) {
    problem = "start_time or end_time is not a number";
    return std::nullopt;
  }
  t.start_time = row.real(5);
  t.end_time = row.real(6);
  t.device = row.text(7);
  t.worker = row.text(8);
  t.error = row.text(9);
  return t;
}

}  // namespace

TrialRow read_trial_row(const RowView& row) {
  TrialRow out;
  out.number = static_cast<int>(row.integer(0));
  out.stored_state = row.text(1);
  out.trial = read_fields(row, out.problem);
  return out;
}

std::optional<Json> parse_metrics_data(const std::string& data, std::string& problem) {
  return parse_json(data, "metrics are", problem);
}

TrialSnapshot unreadable_stand_in(const TrialRow& row) {
  TrialSnapshot t;
  t.number = row.number;
  const std::string& s = row.stored_state;
  const bool counts = s == "running" || s == "complete" || s == "pruned";
  t.state = counts ? TrialState::Complete : TrialState::Failed;
  t.error = "unreadable row: " + row.problem;
  return t;
}

}  // namespace tune
