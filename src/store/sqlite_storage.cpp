// Storage on one SQLite file per study. Every call takes the connection's mutex (threads of
// one process share it) and runs in one short transaction (processes sharing the file
// serialise on SQLite's write lock). WAL lets readers (`tune status`) run beside writers;
// synchronous=FULL makes each commit durable before the call returns.
//
// No call reads more than it returns: the next number, the budget count, the best trial and the
// change marks come from indexes, so a claim costs the same in trial 10 and trial 100000.
// Changes are tracked with two marks:
// - trials.version: every write that inserts a trial or changes its state stamps the rows it
//   touches with one more than the largest version so far (a study-wide clock kept by the
//   index on version). Heartbeats and reports leave it alone.
// - the rowid of metrics: rows are only ever appended, so it grows in commit order.
// Study files from before these columns are migrated when opened: their rows get version 1 and
// their metrics no objective value (study_schema.h). Opening, read-only included: study_file.h.
//
// Rows are read with row_reader.h, as every backend reads them: one that cannot be read is
// skipped and recorded once in warnings(), never thrown on.
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>

#include "common/error.h"
#include "store/row_reader.h"
#include "store/sqlite.h"
#include "store/storage.h"
#include "store/study_file.h"
#include "store/trial_rows.h"

namespace tune {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// How long one call keeps retrying a busy database before giving up with an error.
constexpr int kMaxWaitMs = 120000;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// " WHERE <column> IN (?, ?, ...)" for `states`, or nothing when every state is wanted.
std::string state_filter(const std::vector<TrialState>& states, const std::string& column) {
  if (states.empty()) return "";
  std::string sql = " WHERE " + column + " IN (";
  for (size_t i = 0; i < states.size(); ++i) sql += i ? ", ?" : "?";
  return sql + ")";
}

void bind_states(sqlite::Statement& statement, const std::vector<TrialState>& states) {
  for (size_t i = 0; i < states.size(); ++i)
    statement.bind(static_cast<int>(i) + 1, std::string(to_string(states[i])));
}

class SqliteStorage : public Storage {
 public:
  SqliteStorage(std::unique_ptr<sqlite::Database> db, bool read_only)
      : db_(std::move(db)), read_only_(read_only), reader_(db_->path()) {}

  ClaimResult claim(const ClaimRequest& request) override {
    require_writable("claim a trial");
    std::lock_guard<std::mutex> lock(mutex_);
    ClaimResult result;
    sqlite::write_transaction(
        *db_, [&] { result = claim_in_transaction(request); }, kMaxWaitMs);
    return result;
  }

  void report(int number, const Json& epoch_metrics, std::optional<double> value) override {
    require_writable("report metrics");
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        *db_,
        [&] {
          require_running(number, "report metrics to");
          sqlite::Statement last(*db_, "SELECT MAX(seq) FROM metrics WHERE trial = ?");
          last.bind(1, number).step();
          int64_t seq = last.is_null(0) ? 0 : last.integer(0) + 1;  // earlier reports
          int64_t epoch = seq + 1;
          if (epoch_metrics.is_object() && epoch_metrics.contains("epoch") &&
              epoch_metrics.at("epoch").is_number_integer())
            epoch = epoch_metrics.at("epoch").get<int64_t>();
          double now = now_seconds();
          sqlite::Statement insert(*db_,
                                   "INSERT INTO metrics (trial, seq, epoch, time, data, value) "
                                   "VALUES (?, ?, ?, ?, ?, ?)");
          insert.bind(1, number).bind(2, seq).bind(3, epoch).bind(4, now);
          insert.bind(5, dump_json(epoch_metrics)).bind(6, finite(value)).run();
          touch(number, now);
        },
        kMaxWaitMs);
  }

  void heartbeat(int number) override {
    require_writable("refresh a heartbeat");
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        *db_, [&] { touch(number, now_seconds()); }, kMaxWaitMs);
  }

  std::optional<TrialSnapshot> finish(int number, TrialState state, std::optional<double> value,
                                      const std::string& error, const Json& summary) override {
    check_finished_state(state);
    require_writable("finish a trial");
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> finished;
    sqlite::write_transaction(
        *db_,
        [&] {
          finished.reset();
          sqlite::Statement update(*db_,
                                   "UPDATE trials SET state = ?, value = ?, error = ?, "
                                   "summary = ?, end_time = ?, version = ? "
                                   "WHERE number = ? AND state = 'running'");
          update.bind(1, std::string(to_string(state))).bind(2, value).bind(3, error);
          update.bind(4, dump_json(summary)).bind(5, now_seconds()).bind(6, next_version());
          update.bind(7, number).run();
          if (db_->changes() != 1) return;
          finished = select_trial(number);
          // Its row was damaged while it ran (written by someone else): what was just
          // written is still the answer the caller needs.
          if (!finished)
            finished = finished_stand_in(number, state, value, error, summary, now_seconds());
        },
        kMaxWaitMs);
    return finished;
  }

  std::vector<TrialSnapshot> trials(const TrialQuery& query) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TrialSnapshot> found;
    sqlite::read_transaction(
        *db_,
        [&] {
          found = select_trials(query.states);
          if (query.with_metrics) attach_metrics(found, query.states);
        },
        kMaxWaitMs);
    return found;
  }

  std::optional<TrialSnapshot> trial(int number) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> found;
    sqlite::read_transaction(
        *db_,
        [&] {
          found = select_trial(number);
          if (!found) return;
          sqlite::Statement metrics(
              *db_, "SELECT trial, epoch, data FROM metrics WHERE trial = ? ORDER BY seq");
          metrics.bind(1, number);
          while (metrics.step())
            reader_.append_metrics(*found, metrics.integer(1), metrics.text(2));
        },
        kMaxWaitMs);
    return found;
  }

  std::optional<TrialSnapshot> best(Direction direction) override {
    // Walks the (state, value) index from one end, past any infinity; ties come in number
    // order (the index ends with the rowid; descending, SQLite sorts each run of equal values).
    // Usually the first row is the answer; an unreadable one is skipped for the next.
    const std::string order = direction == Direction::Minimize ? "ASC" : "DESC";
    const std::string sql = std::string("SELECT ") + kTrialColumns +
                            " FROM trials WHERE state = 'complete' AND value > ? AND value < ? "
                            "ORDER BY value " +
                            order + ", number ASC";
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> found;
    sqlite::read_transaction(
        *db_,
        [&] {
          found.reset();
          sqlite::Statement select(*db_, sql);
          select.bind(1, -std::numeric_limits<double>::infinity());
          select.bind(2, std::numeric_limits<double>::infinity());
          while (!found && select.step()) found = reader_.read_trial(select);
        },
        kMaxWaitMs);
    return found;
  }

  StudyChanges changes_since(const ChangeCursor& cursor) override {
    std::lock_guard<std::mutex> lock(mutex_);
    StudyChanges changes;
    // One snapshot, so the returned marks cover exactly the rows returned.
    sqlite::read_transaction(
        *db_, [&] { changes = changes_in_transaction(cursor); }, kMaxWaitMs);
    return changes;
  }

  int fail_stale(double grace_seconds) override {
    require_writable("mark stale trials failed");
    std::lock_guard<std::mutex> lock(mutex_);
    int failed = 0;
    sqlite::write_transaction(
        *db_,
        [&] {
          double now = now_seconds();
          sqlite::Statement update(*db_,
                                   "UPDATE trials SET state = 'failed', end_time = ?, error = ?, "
                                   "version = ? WHERE state = 'running' AND heartbeat < ?");
          update.bind(1, now);
          update.bind(2, stale_error(grace_seconds));
          update.bind(3, next_version()).bind(4, now - grace_seconds).run();
          failed = db_->changes();
        },
        kMaxWaitMs);
    return failed;
  }

  int fail_running(const std::string& worker, const std::string& reason) override {
    require_writable("mark running trials failed");
    std::lock_guard<std::mutex> lock(mutex_);
    int failed = 0;
    sqlite::write_transaction(
        *db_,
        [&] {
          sqlite::Statement update(*db_,
                                   "UPDATE trials SET state = 'failed', end_time = ?, error = ?, "
                                   "version = ? WHERE state = 'running' AND worker = ?");
          update.bind(1, now_seconds()).bind(2, reason).bind(3, next_version());
          update.bind(4, worker).run();
          failed = db_->changes();
        },
        kMaxWaitMs);
    return failed;
  }

  void set_attr(const std::string& key, const Json& value) override {
    require_writable("record an attribute");
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        *db_,
        [&] {
          sqlite::Statement upsert(*db_,
                                   "INSERT OR REPLACE INTO attributes (key, value) VALUES (?, ?)");
          upsert.bind(1, key).bind(2, dump_json(value)).run();
        },
        kMaxWaitMs);
  }

  std::optional<Json> attr(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<Json> value;
    sqlite::read_transaction(
        *db_,
        [&] {
          value.reset();
          sqlite::Statement select(*db_, "SELECT value FROM attributes WHERE key = ?");
          select.bind(1, key);
          if (select.step()) value = reader_.read_attr(key, select.text(0));
        },
        kMaxWaitMs);
    return value;
  }

  StudyRecord dump() override {
    std::lock_guard<std::mutex> lock(mutex_);
    StudyRecord record;
    sqlite::read_transaction(
        *db_,
        [&] {
          record = StudyRecord();
          sqlite::Statement attrs(*db_, "SELECT key, value FROM attributes ORDER BY key");
          while (attrs.step())
            if (auto value = reader_.read_attr(attrs.text(0), attrs.text(1)))
              record.attrs.emplace_back(attrs.text(0), std::move(*value));
          record.trials = select_trials({});
          sqlite::Statement epochs(
              *db_, "SELECT trial, epoch, time, data, value FROM metrics ORDER BY trial, seq");
          while (epochs.step())
            if (auto epoch = reader_.read_epoch(epochs)) record.epochs.push_back(std::move(*epoch));
        },
        kMaxWaitMs);
    drop_orphan_epochs(record);
    return record;
  }

  void load(const StudyRecord& record) override {
    require_writable("load a study");
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        *db_, [&] { load_in_transaction(record); }, kMaxWaitMs);
  }

  int64_t rows_read() const override { return reader_.rows_read(); }
  std::vector<std::string> warnings() const override { return reader_.warnings(); }

 private:
  void require_writable(const std::string& action) const {
    refuse_if_read_only(read_only_, db_->path(), action);
  }

  // The methods below run inside a transaction, with mutex_ held.

  ClaimResult claim_in_transaction(const ClaimRequest& request) {
    sqlite::Statement last(*db_, "SELECT MAX(number) FROM trials");
    last.step();
    int next = last.is_null(0) ? 0 : static_cast<int>(last.integer(0)) + 1;
    if (request.number != next) return {ClaimStatus::Conflict, std::nullopt};
    if (request.budget && count_budget_used() >= *request.budget)
      return {ClaimStatus::BudgetSpent, std::nullopt};
    TrialSnapshot t;
    t.number = next;
    t.params = request.params;
    t.start_time = now_seconds();
    t.device = request.device;
    t.worker = request.worker;
    sqlite::Statement insert(*db_,
                             "INSERT INTO trials (number, state, params, summary, start_time, "
                             "heartbeat, device, worker, version) "
                             "VALUES (?, 'running', ?, '{}', ?, ?, ?, ?, ?)");
    insert.bind(1, t.number).bind(2, dump_json(t.params)).bind(3, t.start_time);
    insert.bind(4, t.start_time).bind(5, t.device).bind(6, t.worker);
    insert.bind(7, next_version()).run();
    return {ClaimStatus::Claimed, t};
  }

  void load_in_transaction(const StudyRecord& record) {
    sqlite::Statement used(*db_, "SELECT COUNT(*) FROM trials");
    used.step();
    if (used.integer(0) > 0) refuse_load_into_used_study(db_->path());
    for (const auto& [key, value] : record.attrs) {
      sqlite::Statement upsert(*db_,
                               "INSERT OR REPLACE INTO attributes (key, value) VALUES (?, ?)");
      upsert.bind(1, key).bind(2, dump_json(value)).run();
    }
    const int64_t version = next_version();
    const double now = now_seconds();
    for (const auto& t : record.trials) {
      sqlite::Statement insert(*db_,
                               "INSERT INTO trials (number, state, params, value, summary, "
                               "start_time, end_time, heartbeat, device, worker, error, version) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      insert.bind(1, t.number).bind(2, std::string(to_string(t.state)));
      insert.bind(3, dump_json(t.params)).bind(4, t.value).bind(5, dump_json(t.summary));
      insert.bind(6, t.start_time).bind(7, t.end_time).bind(8, loaded_heartbeat(t, now));
      insert.bind(9, t.device).bind(10, t.worker).bind(11, t.error).bind(12, version).run();
    }
    std::map<int, int64_t> seq;  // per trial, in the order of record.epochs
    for (const auto& e : record.epochs) {
      sqlite::Statement insert(*db_,
                               "INSERT INTO metrics (trial, seq, epoch, time, data, value) "
                               "VALUES (?, ?, ?, ?, ?, ?)");
      insert.bind(1, e.trial).bind(2, seq[e.trial]++).bind(3, e.epoch).bind(4, e.time);
      insert.bind(5, dump_json(e.data)).bind(6, finite(e.value)).run();
    }
  }

  // Counted on the (state, value) index, without reading any trial row.
  int64_t count_budget_used() {
    sqlite::Statement count(*db_,
                            "SELECT COUNT(*) FROM trials "
                            "WHERE state IN ('running', 'complete', 'pruned')");
    count.step();
    return count.integer(0);
  }

  // The study clock's next value, for the rows this transaction inserts or changes. Versions
  // only grow (rows are never deleted), and writers serialise, so it never repeats.
  int64_t next_version() {
    sqlite::Statement last(*db_, "SELECT MAX(version) FROM trials");
    last.step();
    return last.is_null(0) ? 1 : last.integer(0) + 1;
  }

  StudyChanges changes_in_transaction(const ChangeCursor& cursor) {
    StudyChanges changes;
    changes.cursor = cursor;
    sqlite::Statement marks(
        *db_, "SELECT (SELECT MAX(version) FROM trials), (SELECT MAX(rowid) FROM metrics)");
    marks.step();
    if (!marks.is_null(0)) changes.cursor.trials = std::max(cursor.trials, marks.integer(0));
    if (!marks.is_null(1)) changes.cursor.values = std::max(cursor.values, marks.integer(1));

    // Without INDEXED BY the planner, not knowing how few rows pass `version > ?`, prefers to
    // scan the whole table in number order to spare itself the sort.
    sqlite::Statement trials(*db_, std::string("SELECT ") + kTrialColumns +
                                       " FROM trials INDEXED BY trials_by_version "
                                       "WHERE version > ? ORDER BY number");
    trials.bind(1, cursor.trials);
    // A reader's view needs every number (the next claim is for the view's size) and the same
    // budget count as the claim's, so an unreadable row comes as a stand-in rather than not
    // at all.
    while (trials.step()) {
      TrialRow row = reader_.read_row(trials);
      changes.trials.push_back(row.trial ? std::move(*row.trial) : unreadable_stand_in(row));
    }

    sqlite::Statement values(*db_,
                             "SELECT trial, epoch, value FROM metrics "
                             "WHERE rowid > ? AND value IS NOT NULL ORDER BY rowid");
    values.bind(1, cursor.values);
    while (values.step()) {
      reader_.count_row();
      changes.values.push_back({static_cast<int>(values.integer(0)),
                                static_cast<int>(values.integer(1)), values.real(2)});
    }
    return changes;
  }

  std::optional<TrialSnapshot> select_trial(int number) {
    sqlite::Statement select(
        *db_, std::string("SELECT ") + kTrialColumns + " FROM trials WHERE number = ?");
    select.bind(1, number);
    if (!select.step()) return std::nullopt;
    return reader_.read_trial(select);
  }

  std::vector<TrialSnapshot> select_trials(const std::vector<TrialState>& states) {
    sqlite::Statement select(*db_, std::string("SELECT ") + kTrialColumns + " FROM trials" +
                                       state_filter(states, "state") + " ORDER BY number");
    bind_states(select, states);
    std::vector<TrialSnapshot> found;
    while (select.step())
      if (auto t = reader_.read_trial(select)) found.push_back(std::move(*t));
    return found;
  }

  // Fills in the metrics of `found` (the trials in `states`, by number) with one query.
  void attach_metrics(std::vector<TrialSnapshot>& found, const std::vector<TrialState>& states) {
    sqlite::Statement select(*db_,
                             "SELECT m.trial, m.epoch, m.data FROM metrics AS m JOIN trials AS t "
                             "ON t.number = m.trial" +
                                 state_filter(states, "t.state") + " ORDER BY m.trial, m.seq");
    bind_states(select, states);
    MetricsAttacher attacher(found, reader_);
    while (select.step() && attacher.add(select)) {
    }
  }

  void require_running(int number, const std::string& action) {
    sqlite::Statement select(*db_, "SELECT state FROM trials WHERE number = ?");
    select.bind(1, number);
    if (!select.step())
      throw std::invalid_argument("cannot " + action + " trial " + std::to_string(number) +
                                  ": no such trial");
    std::string state = select.text(0);
    if (state != "running")
      throw std::logic_error("cannot " + action + " trial " + std::to_string(number) +
                             ": it is already " + state);
  }

  void touch(int number, double now) {
    sqlite::Statement update(
        *db_, "UPDATE trials SET heartbeat = ? WHERE number = ? AND state = 'running'");
    update.bind(1, now).bind(2, number).run();
  }

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
  const bool read_only_;
  RowReader reader_;
};

}  // namespace

std::unique_ptr<Storage> open_sqlite_storage(const std::string& path) {
  return std::make_unique<SqliteStorage>(
      open_study_file_for_writing(path, kBusyTimeoutMs, kMaxWaitMs), false);
}

std::unique_ptr<Storage> open_sqlite_storage_readonly(const std::string& path) {
  return std::make_unique<SqliteStorage>(open_study_file_for_reading(path, kBusyTimeoutMs), true);
}

}  // namespace tune
