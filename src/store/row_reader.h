#pragma once
// What every storage backend does with the rows it reads, written once: parse them (with
// trial_rows.h), count them (Storage::rows_read), record each row it skips once
// (Storage::warnings), and the few values both backends write the same way. Thread-safe.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"
#include "store/row_view.h"
#include "store/storage.h"
#include "store/trial_rows.h"

namespace tune {

class RowReader {
 public:
  // `where` opens every warning: the file, or the masked server URL and study name.
  explicit RowReader(std::string where) : where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  // A trial row (kTrialColumns); an unreadable one is recorded in warnings().
  TrialRow read_row(const RowView& row);
  std::optional<TrialSnapshot> read_trial(const RowView& row) { return read_row(row).trial; }
  // Appends one epoch's metrics (its `data` column) to `trial`, unless they are unreadable.
  void append_metrics(TrialSnapshot& trial, int64_t epoch, const std::string& data);
  // An epoch's row (trial, epoch, time, data, value); unreadable data: nullopt and a warning.
  std::optional<StoredEpoch> read_epoch(const RowView& row);
  // A stored attribute value; not JSON: nullopt and a warning.
  std::optional<Json> read_attr(const std::string& key, const std::string& text);
  // One row read that needs no parsing (an intermediate value).
  void count_row() { ++rows_read_; }

  int64_t rows_read() const { return rows_read_.load(); }
  std::vector<std::string> warnings() const;

 private:
  void warn(const std::string& what);

  const std::string where_;
  std::atomic<int64_t> rows_read_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;  // the first kMaxWarnings, in the order found
  std::set<std::string> warned_;       // every one, so that each is recorded once
};

// Fills in the metrics of `found` (trials in number order) from (trial, epoch, data) rows in
// (trial, epoch order) order, one at a time; rows of trials not in `found` are passed over.
class MetricsAttacher {
 public:
  MetricsAttacher(std::vector<TrialSnapshot>& found, RowReader& reader)
      : found_(found), it_(found.begin()), reader_(reader) {}
  // False once the rows are past the last trial found (the caller may stop).
  bool add(const RowView& row);

 private:
  std::vector<TrialSnapshot>& found_;
  std::vector<TrialSnapshot>::iterator it_;
  RowReader& reader_;
};

// Leaves out the epochs of trials `record` does not hold (rows that could not be read), so that
// what is loaded elsewhere is whole.
void drop_orphan_epochs(StudyRecord& record);
// What a storage's load() refuses: a study that already holds trials.
[[noreturn]] void refuse_load_into_used_study(const std::string& where);
// The heartbeat a loaded trial gets: now for a running one (it goes stale from now on), else
// its end.
double loaded_heartbeat(const TrialSnapshot& trial, double now);

// std::invalid_argument for finish() to `state`, when it is Running.
void check_finished_state(TrialState state);
// ConfigError("WHERE", "opened read-only; cannot ACTION") when `read_only`.
void refuse_if_read_only(bool read_only, const std::string& where, const std::string& action);

// The value as stored: NaN and infinities of an epoch's objective are no value.
std::optional<double> finite(std::optional<double> value);
// The error of a trial failed for its heartbeat: "worker died: no heartbeat for over 30 s".
std::string stale_error(double grace_seconds);
// finish()'s answer when the row it just finished cannot be read back (someone else damaged
// it while it ran): what was written is still the answer the caller needs.
TrialSnapshot finished_stand_in(int number, TrialState state, std::optional<double> value,
                                const std::string& error, const Json& summary, double end_time);

}  // namespace tune
