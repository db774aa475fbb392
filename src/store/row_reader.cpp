#include "store/row_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/error.h"

namespace tune {
namespace {

// Warnings kept word for word; past this many, only counted (a badly damaged study would
// otherwise print a line per row).
constexpr size_t kMaxWarnings = 20;

}  // namespace

TrialRow RowReader::read_row(const RowView& row) {
  ++rows_read_;
  TrialRow read = read_trial_row(row);
  if (!read.trial)
    warn("trial " + std::to_string(read.number) + ": " + read.problem + " (skipped)");
  return read;
}

void RowReader::append_metrics(TrialSnapshot& trial, int64_t epoch, const std::string& data) {
  ++rows_read_;
  std::string problem;
  if (auto metrics = parse_metrics_data(data, problem)) {
    trial.metrics.push_back(std::move(*metrics));
    return;
  }
  warn("trial " + std::to_string(trial.number) + ", epoch " + std::to_string(epoch) + ": " +
       problem + " (skipped)");
}

std::optional<StoredEpoch> RowReader::read_epoch(const RowView& row) {
  ++rows_read_;
  StoredEpoch epoch;
  epoch.trial = static_cast<int>(row.integer(0));
  epoch.epoch = row.integer(1);
  std::string problem;
  auto data = parse_metrics_data(row.text(3), problem);
  if (!data) {
    warn("trial " + std::to_string(epoch.trial) + ", epoch " + std::to_string(epoch.epoch) + ": " +
         problem + " (skipped)");
    return std::nullopt;
  }
  epoch.time = row.real(2);
  epoch.data = std::move(*data);
  epoch.value = row.optional_real(4);
  return epoch;
}

std::optional<Json> RowReader::read_attr(const std::string& key, const std::string& text) {
  Json value = Json::parse(text, nullptr, false);
  if (!value.is_discarded()) return value;
  warn("attribute \"" + key + "\" is not JSON (ignored)");
  return std::nullopt;
}

std::vector<std::string> RowReader::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out = warnings_;
  if (warned_.size() > warnings_.size())
    out.push_back(where_ + ": " + std::to_string(warned_.size() - warnings_.size()) +
                  " more unreadable rows (skipped)");
  return out;
}

void RowReader::warn(const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string line = where_ + ": " + what;
  if (warned_.insert(line).second && warnings_.size() < kMaxWarnings) warnings_.push_back(line);
}

bool MetricsAttacher::add(const RowView& row) {
  const int number = static_cast<int>(row.integer(0));
  while (it_ != found_.end() && it_->number < number) ++it_;
  if (it_ == found_.end()) return false;
  if (it_->number == number) reader_.append_metrics(*it_, row.integer(1), row.text(2));
  return true;  // else a trial that was skipped
}

void drop_orphan_epochs(StudyRecord& record) {
  std::set<int> numbers;
  for (const auto& t : record.trials) numbers.insert(t.number);
  auto& epochs = record.epochs;
  epochs.erase(std::remove_if(epochs.begin(), epochs.end(),
                              [&](const StoredEpoch& e) { return !numbers.count(e.trial); }),
               epochs.end());
}

void refuse_load_into_used_study(const std::string& where) {
  throw ConfigError(where, "already holds trials; copy into a new study");
}

double loaded_heartbeat(const TrialSnapshot& trial, double now) {
  return trial.state == TrialState::Running ? now : trial.end_time;
}

void check_finished_state(TrialState state) {
  if (state == TrialState::Running)
    throw std::invalid_argument("finish: the new state must not be running");
}

void refuse_if_read_only(bool read_only, const std::string& where, const std::string& action) {
  if (read_only) throw ConfigError(where, "opened read-only; cannot " + action);
}

std::optional<double> finite(std::optional<double> value) {
  if (value && !std::isfinite(*value)) return std::nullopt;
  return value;
}

std::string stale_error(double grace_seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", grace_seconds);
  return std::string(kWorkerDiedError) + ": no heartbeat for over " + text;
}

TrialSnapshot finished_stand_in(int number, TrialState state, std::optional<double> value,
                                const std::string& error, const Json& summary, double end_time) {
  TrialSnapshot t;
  t.number = number;
  t.state = state;
  t.value = value;
  t.error = error;
  t.summary = summary;
  t.end_time = end_time;
  return t;
}

}  // namespace tune
