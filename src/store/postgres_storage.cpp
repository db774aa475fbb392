// Storage on a PostgreSQL server, for studies whose workers run on many hosts. Several studies
// share one database: every table is keyed by the study's name, and tune's tables are prefixed
// with tune_ so that they can live beside other applications' tables.
//
// Writers of one study serialise on their study's row in tune_studies: every write that must
// be ordered (claim, report, finish, failing stale or interrupted trials) starts by bumping a
// clock in that row, which holds the row's lock until the transaction commits. That gives
// - atomic claims: the next number and the budget are read and the trial inserted while no
//   other writer of the study can insert (the unique key on (study, number) backs this up;
//   hitting it is reported as a conflict too);
// - a change cursor that never skips a row. A plain sequence would not do: two transactions
//   may take values 5 and 6 and commit in the order 6, 5, so a reader that saw 6 and moved its
//   cursor there would never see 5. Under the row lock, version v+1 is taken only after v has
//   committed, so clock values commit in order, and a snapshot that sees the clock at v sees
//   every row stamped up to v. A transaction-level advisory lock per study would give the same
//   order; the row lock needs no hash of the name and also stores the clock.
// Heartbeats take no lock: they touch one running trial's row and no cursor.
//
// A call that loses the server (a restart, a network fault) reconnects and runs again, with
// backoff, for the storage's retry time (retrying()); meanwhile the caller waits, holding what
// it was writing. A claim or finish whose COMMIT was sent before the loss may have landed, so
// the retry first looks for its own write (claimed_before, finished_before; a report compares
// the trial's last epoch) and never writes it twice. A session that dies mid-transaction
// releases its locks when the server notices (idle_in_transaction_session_timeout at worst).
//
// Every time (start, end, heartbeat) is the server's clock, so stale trials are judged by one
// clock, not by workers' clocks that may disagree. Errors are stored as bytea: a program's
// output need not be UTF-8, and text columns take nothing else.
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "store/postgres.h"
#include "store/row_reader.h"
#include "store/storage.h"
#include "store/storage_url.h"
#include "store/trial_rows.h"

namespace tune {
namespace {

using pg::param;

const char* const kTables = R"sql(
CREATE TABLE IF NOT EXISTS tune_studies (
  study TEXT PRIMARY KEY,
  trials_clock BIGINT NOT NULL DEFAULT 0,
  values_clock BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tune_attributes (
  study TEXT NOT NULL REFERENCES tune_studies (study),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (study, key)
);
CREATE TABLE IF NOT EXISTS tune_trials (
  study TEXT NOT NULL REFERENCES tune_studies (study),
  number INTEGER NOT NULL,
  state TEXT NOT NULL,
  params TEXT NOT NULL,
  value DOUBLE PRECISION,
  summary TEXT NOT NULL DEFAULT '{}',
  start_time DOUBLE PRECISION NOT NULL,
  end_time DOUBLE PRECISION NOT NULL DEFAULT 0,
  heartbeat DOUBLE PRECISION NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  worker TEXT NOT NULL DEFAULT '',
  error BYTEA NOT NULL DEFAULT '',
  version BIGINT NOT NULL,
  PRIMARY KEY (study, number)
);
CREATE INDEX IF NOT EXISTS tune_trials_by_version ON tune_trials (study, version);
CREATE INDEX IF NOT EXISTS tune_trials_by_state_value ON tune_trials (study, state, value);
CREATE TABLE IF NOT EXISTS tune_metrics (
  study TEXT NOT NULL,
  trial INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  epoch BIGINT NOT NULL,
  time DOUBLE PRECISION NOT NULL,
  data TEXT NOT NULL,
  value DOUBLE PRECISION,
  version BIGINT NOT NULL,
  PRIMARY KEY (study, trial, seq),
  FOREIGN KEY (study, trial) REFERENCES tune_trials (study, number)
);
CREATE INDEX IF NOT EXISTS tune_metrics_by_version ON tune_metrics (study, version);
)sql";

// Any fixed number: the key of the advisory lock under which processes create the tables, so
// that two first workers do not both run CREATE TABLE IF NOT EXISTS (which can fail on a race).
constexpr int64_t kSchemaLockKey = 0x74756e65;  // "tune"

// The server's clock, in seconds since the epoch.
const char* const kNow = "EXTRACT(EPOCH FROM clock_timestamp())::float8";

const char* const kReadSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

// " AND state IN ('running', ...)" for `states`, or nothing when every state is wanted. The
// names come from to_string(TrialState), never from input.
std::string state_filter(const std::vector<TrialState>& states, const std::string& column) {
  if (states.empty()) return "";
  std::string sql = " AND " + column + " IN (";
  for (size_t i = 0; i < states.size(); ++i)
    sql += std::string(i ? ", '" : "'") + to_string(states[i]) + "'";
  return sql + ")";
}

class PostgresStorage : public Storage {
 public:
  PostgresStorage(std::unique_ptr<pg::Connection> db, std::string study, std::string where,
                  bool read_only, double retry_seconds)
      : db_(std::move(db)),
        study_(std::move(study)),
        read_only_(read_only),
        retry_for_(retry_seconds),
        reader_(std::move(where)) {}

  ClaimResult claim(const ClaimRequest& request) override {
    require_writable("claim a trial");
    std::lock_guard<std::mutex> lock(mutex_);
    return retrying([&](bool again) {
      // The connection was lost after this claim was sent: it may have committed.
      if (again)
        if (auto mine = claimed_before(request)) return ClaimResult{ClaimStatus::Claimed, mine};
      ClaimResult result;
      try {
        pg::transaction(*db_, "BEGIN", [&] {
          result = claim_in_transaction(request);
          return result.status == ClaimStatus::Claimed;
        });
      } catch (const pg::Error& e) {
        if (!e.unique_violation()) throw;
        result = {ClaimStatus::Conflict, std::nullopt};
      }
      return result;
    });
  }

  void report(int number, const Json& epoch_metrics, std::optional<double> value) override {
    require_writable("report metrics");
    std::lock_guard<std::mutex> lock(mutex_);
    retrying([&](bool again) { report_once(number, epoch_metrics, value, again); });
  }

  void heartbeat(int number) override {
    require_writable("refresh a heartbeat");
    std::lock_guard<std::mutex> lock(mutex_);
    touch(number);
  }

  std::optional<TrialSnapshot> finish(int number, TrialState state, std::optional<double> value,
                                      const std::string& error, const Json& summary) override {
    check_finished_state(state);
    require_writable("finish a trial");
    std::lock_guard<std::mutex> lock(mutex_);
    return retrying([&](bool again) {
      std::optional<TrialSnapshot> won = finish_once(number, state, value, error, summary);
      // The connection was lost after this finish was sent: it may have committed.
      if (!won && again) won = finished_before(number, state, value, error);
      return won;
    });
  }

  std::vector<TrialSnapshot> trials(const TrialQuery& query) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TrialSnapshot> found;
    in_snapshot([&] {
      found.clear();
      pg::Result rows =
          db_->exec(std::string("SELECT ") + kTrialColumns + " FROM tune_trials WHERE study = $1" +
                        state_filter(query.states, "state") + " ORDER BY number",
                    {param(study_)});
      for (int i = 0; i < rows.rows(); ++i)
        if (auto t = reader_.read_trial(rows.row(i))) found.push_back(std::move(*t));
      if (query.with_metrics) attach_metrics(found, query.states);
    });
    return found;
  }

  std::optional<TrialSnapshot> trial(int number) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> found;
    in_snapshot([&] {
      found.reset();
      pg::Result rows = db_->exec(std::string("SELECT ") + kTrialColumns +
                                      " FROM tune_trials WHERE study = $1 AND number = $2",
                                  {param(study_), param(number)});
      if (rows.rows() == 0 || !(found = reader_.read_trial(rows.row(0)))) return;
      pg::Result metrics = db_->exec(
          "SELECT trial, epoch, data FROM tune_metrics WHERE study = $1 AND trial = $2 "
          "ORDER BY seq",
          {param(study_), param(number)});
      for (int i = 0; i < metrics.rows(); ++i)
        reader_.append_metrics(*found, metrics.row(i).integer(1), metrics.row(i).text(2));
    });
    return found;
  }

  std::optional<TrialSnapshot> best(Direction direction) override {
    // Walks the (study, state, value) index from one end, past infinities (and NaN, which
    // PostgreSQL sorts above them), a few rows at a time: usually the first row is the answer;
    // an unreadable one is skipped for the next.
    constexpr int kBatch = 8;
    const std::string sql = std::string("SELECT ") + kTrialColumns +
                            " FROM tune_trials WHERE study = $1 AND state = 'complete' "
                            "AND value > '-Infinity' AND value < 'Infinity' ORDER BY value " +
                            (direction == Direction::Minimize ? "ASC" : "DESC") +
                            ", number ASC LIMIT " + std::to_string(kBatch) + " OFFSET $2";
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> found;
    in_snapshot([&] {
      found.reset();
      for (int offset = 0; !found; offset += kBatch) {
        pg::Result rows = db_->exec(sql, {param(study_), param(offset)});
        for (int i = 0; i < rows.rows() && !found; ++i) found = reader_.read_trial(rows.row(i));
        if (rows.rows() < kBatch) break;
      }
    });
    return found;
  }

  StudyChanges changes_since(const ChangeCursor& cursor) override {
    std::lock_guard<std::mutex> lock(mutex_);
    StudyChanges changes;
    // One snapshot, so the returned marks cover exactly the rows returned (see the top).
    in_snapshot([&] { changes = changes_in_transaction(cursor); });
    return changes;
  }

  int fail_stale(double grace_seconds) override {
    require_writable("mark stale trials failed");
    return fail_where(std::string("heartbeat < ") + kNow + " - $4",
                      {pg::bytes_param(stale_error(grace_seconds)), param(grace_seconds)});
  }

  int fail_running(const std::string& worker, const std::string& reason) override {
    require_writable("mark running trials failed");
    return fail_where("worker = $4", {pg::bytes_param(reason), param(worker)});
  }

  void set_attr(const std::string& key, const Json& value) override {
    require_writable("record an attribute");
    std::lock_guard<std::mutex> lock(mutex_);
    retrying([&](bool) {
      db_->exec(
          "INSERT INTO tune_attributes (study, key, value) VALUES ($1, $2, $3) "
          "ON CONFLICT (study, key) DO UPDATE SET value = EXCLUDED.value",
          {param(study_), param(key), param(dump_json(value))});
    });
  }

  std::optional<Json> attr(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    pg::Result rows = retrying([&](bool) {
      return db_->exec("SELECT value FROM tune_attributes WHERE study = $1 AND key = $2",
                       {param(study_), param(key)});
    });
    if (rows.rows() == 0) return std::nullopt;
    return reader_.read_attr(key, rows.row(0).text(0));
  }

  StudyRecord dump() override {
    std::lock_guard<std::mutex> lock(mutex_);
    StudyRecord record;
    in_snapshot([&] {
      record = StudyRecord();
      pg::Result attrs = db_->exec(
          "SELECT key, value FROM tune_attributes WHERE study = $1 ORDER BY key", {param(study_)});
      for (int i = 0; i < attrs.rows(); ++i)
        if (auto value = reader_.read_attr(attrs.row(i).text(0), attrs.row(i).text(1)))
          record.attrs.emplace_back(attrs.row(i).text(0), std::move(*value));
      pg::Result trials = db_->exec(std::string("SELECT ") + kTrialColumns +
                                        " FROM tune_trials WHERE study = $1 ORDER BY number",
                                    {param(study_)});
      for (int i = 0; i < trials.rows(); ++i)
        if (auto t = reader_.read_trial(trials.row(i))) record.trials.push_back(std::move(*t));
      pg::Result epochs = db_->exec(
          "SELECT trial, epoch, time, data, value FROM tune_metrics WHERE study = $1 "
          "ORDER BY trial, seq",
          {param(study_)});
      for (int i = 0; i < epochs.rows(); ++i)
        if (auto epoch = reader_.read_epoch(epochs.row(i)))
          record.epochs.push_back(std::move(*epoch));
    });
    drop_orphan_epochs(record);
    return record;
  }

  void load(const StudyRecord& record) override {
    require_writable("load a study");
    std::lock_guard<std::mutex> lock(mutex_);
    retrying([&](bool) {
      pg::transaction(*db_, "BEGIN", [&] {
        load_in_transaction(record);
        return true;
      });
    });
  }

  int64_t rows_read() const override { return reader_.rows_read(); }
  std::vector<std::string> warnings() const override { return reader_.warnings(); }

 private:
  void require_writable(const std::string& action) const {
    refuse_if_read_only(read_only_, reader_.where(), action);
  }

  // Runs `call(again)`, and again (with again = true) after each lost connection, pausing 0.1 s
  // and twice as long each time up to 5 s, for up to retry_for_ in all; then a runtime_error
  // saying how long the server has been gone. Calls that may have committed before the loss
  // check for their own write when again (claimed_before, finished_before, last_metrics).
  template <typename Call>
  auto retrying(Call&& call) -> decltype(call(false)) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(retry_for_);
    std::chrono::milliseconds pause(100);
    for (bool again = false;; again = true) {
      try {
        return call(again);
      } catch (const pg::Error& e) {
        if (!e.connection_lost()) throw;
        if (Clock::now() + pause > deadline)
          throw std::runtime_error(reader_.where() + ": the server was unreachable for " +
                                   std::to_string(static_cast<int>(retry_for_.count())) +
                                   " s (giving up): " + mask_password(e.what()));
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(5000));
    }
  }

  // Runs `body` in one read-only snapshot, again after a lost connection.
  void in_snapshot(const std::function<void()>& body) {
    retrying([&](bool) {
      pg::transaction(*db_, kReadSnapshot, [&] {
        body();
        return true;
      });
    });
  }

  // The trial this worker claimed for `request` by a call whose answer was lost, if any.
  std::optional<TrialSnapshot> claimed_before(const ClaimRequest& request) {
    pg::Result rows = db_->exec(std::string("SELECT ") + kTrialColumns +
                                    " FROM tune_trials WHERE study = $1 AND number = $2 "
                                    "AND worker = $3 AND state = 'running'",
                                {param(study_), param(request.number), param(request.worker)});
    if (rows.rows() == 0) return std::nullopt;
    return reader_.read_trial(rows.row(0));
  }

  // The trial as a finish whose answer was lost left it: in `state` with this value and error
  // (another process failing it as stale writes its own error).
  std::optional<TrialSnapshot> finished_before(int number, TrialState state,
                                               std::optional<double> value,
                                               const std::string& error) {
    pg::Result rows = db_->exec(std::string("SELECT ") + kTrialColumns +
                                    " FROM tune_trials WHERE study = $1 AND number = $2",
                                {param(study_), param(number)});
    if (rows.rows() == 0) return std::nullopt;
    auto t = reader_.read_trial(rows.row(0));
    if (!t || t->state != state || t->value != value || t->error != error) return std::nullopt;
    return t;
  }

  // The data of the trial's last report ("" when none).
  std::string last_metrics(int number) {
    pg::Result rows = db_->exec(
        "SELECT data FROM tune_metrics WHERE study = $1 AND trial = $2 ORDER BY seq DESC LIMIT 1",
        {param(study_), param(number)});
    return rows.rows() == 0 ? "" : rows.row(0).text(0);
  }

  void report_once(int number, const Json& epoch_metrics, std::optional<double> value, bool again) {
    pg::transaction(*db_, "BEGIN", [&] {
      const int64_t version = tick("values_clock");
      require_running(number, "report metrics to");
      if (again && last_metrics(number) == dump_json(epoch_metrics)) return false;  // written
      pg::Result last = db_->exec(
          "SELECT COALESCE(MAX(seq) + 1, 0) FROM tune_metrics WHERE study = $1 AND trial = $2",
          {param(study_), param(number)});
      const int64_t seq = last.row(0).integer(0);  // earlier reports
      int64_t epoch = seq + 1;
      if (epoch_metrics.is_object() && epoch_metrics.contains("epoch") &&
          epoch_metrics.at("epoch").is_number_integer())
        epoch = epoch_metrics.at("epoch").get<int64_t>();
      db_->exec(std::string("INSERT INTO tune_metrics (study, trial, seq, epoch, time, data, "
                            "value, version) VALUES ($1, $2, $3, $4, ") +
                    kNow + ", $5, $6, $7)",
                {param(study_), param(number), param(seq), param(epoch),
                 param(dump_json(epoch_metrics)), param(finite(value)), param(version)});
      touch(number);
      return true;
    });
  }

  std::optional<TrialSnapshot> finish_once(int number, TrialState state,
                                           std::optional<double> value, const std::string& error,
                                           const Json& summary) {
    // One statement, so that the study's lock is held for the least time: the clock is bumped
    // (the study's row locked) as the statement first needs it, before the trial's row is
    // written. A losing finish bumps it too, stamping no row, which no reader can tell.
    pg::Result updated = db_->exec(
        std::string("WITH clock AS (UPDATE tune_studies SET trials_clock = trials_clock + 1 "
                    "WHERE study = $1 RETURNING trials_clock) "
                    "UPDATE tune_trials SET state = $3, value = $4, error = $5, summary = $6, "
                    "end_time = ") +
            kNow +
            ", version = (SELECT trials_clock FROM clock) "
            "WHERE study = $1 AND number = $2 AND state = 'running' RETURNING " +
            kTrialColumns,
        {param(study_), param(number), param(std::string(to_string(state))), param(value),
         pg::bytes_param(error), param(dump_json(summary))});
    if (updated.rows() != 1) return std::nullopt;  // no longer running: nothing changed
    TrialRow row = reader_.read_row(updated.row(0));
    if (row.trial) return row.trial;
    return finished_stand_in(number, state, value, error, summary, 0);
  }

  // The methods below run inside a transaction, with mutex_ held.

  // Bumps the study's `clock` (by `by`) and returns its new value; holds the study's row lock until
  // the transaction ends, which serialises this study's writers (see the top).
  int64_t tick(const char* clock, int64_t by = 1) {
    pg::Result row = db_->exec(std::string("UPDATE tune_studies SET ") + clock + " = " + clock +
                                   " + $2 WHERE study = $1 RETURNING " + clock,
                               {param(study_), param(by)});
    if (row.rows() != 1)
      throw ConfigError(reader_.where(), "the study was removed from the database");
    return row.row(0).integer(0);
  }

  void load_in_transaction(const StudyRecord& record) {
    const int64_t version = tick("trials_clock");
    if (db_->exec("SELECT 1 FROM tune_trials WHERE study = $1 LIMIT 1", {param(study_)}).rows())
      refuse_load_into_used_study(reader_.where());
    for (const auto& [key, value] : record.attrs)
      db_->exec(
          "INSERT INTO tune_attributes (study, key, value) VALUES ($1, $2, $3) "
          "ON CONFLICT (study, key) DO UPDATE SET value = EXCLUDED.value",
          {param(study_), param(key), param(dump_json(value))});
    const double now = db_->exec(std::string("SELECT ") + kNow).row(0).real(0);
    for (const auto& t : record.trials)
      db_->exec(
          "INSERT INTO tune_trials (study, number, state, params, value, summary, start_time, "
          "end_time, heartbeat, device, worker, error, version) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          {param(study_), param(t.number), param(std::string(to_string(t.state))),
           param(dump_json(t.params)), param(t.value), param(dump_json(t.summary)),
           param(t.start_time), param(t.end_time), param(loaded_heartbeat(t, now)), param(t.device),
           param(t.worker), pg::bytes_param(t.error), param(version)});
    // Each epoch its own version, in order, as report() gives them.
    const auto count = static_cast<int64_t>(record.epochs.size());
    int64_t value_version = tick("values_clock", count) - count;
    std::map<int, int64_t> seq;  // per trial, in the order of record.epochs
    for (const auto& e : record.epochs)
      db_->exec(
          "INSERT INTO tune_metrics (study, trial, seq, epoch, time, data, value, version) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {param(study_), param(e.trial), param(seq[e.trial]++), param(e.epoch), param(e.time),
           param(dump_json(e.data)), param(finite(e.value)), param(++value_version)});
  }

  ClaimResult claim_in_transaction(const ClaimRequest& request) {
    const int64_t version = tick("trials_clock");
    // Read and insert in one statement: it starts after the lock is held, so it sees every
    // trial committed before, and no other writer of the study can commit meanwhile.
    pg::Result claimed = db_->exec(
        std::string("WITH seen AS (SELECT COALESCE(MAX(number) + 1, 0) AS next, "
                    "COUNT(*) FILTER (WHERE state IN ('running', 'complete', 'pruned')) AS used "
                    "FROM tune_trials WHERE study = $1), "
                    "inserted AS (INSERT INTO tune_trials (study, number, state, params, summary, "
                    "start_time, heartbeat, device, worker, version) "
                    "SELECT $1, next, 'running', $3, '{}', ") +
            kNow + ", " + kNow +
            ", $4, $5, $6 FROM seen WHERE next = $2 AND ($7::bigint IS NULL OR used < $7::bigint) "
            "RETURNING start_time) "
            "SELECT seen.next, inserted.start_time FROM seen LEFT JOIN inserted ON true",
        {param(study_), param(request.number), param(dump_json(request.params)),
         param(request.device), param(request.worker), param(version),
         request.budget ? param(*request.budget) : pg::Param()});
    pg::Row row = claimed.row(0);
    if (row.is_null(1))
      return {row.integer(0) == request.number ? ClaimStatus::BudgetSpent : ClaimStatus::Conflict,
              std::nullopt};
    TrialSnapshot t;
    t.number = request.number;
    t.params = request.params;
    t.device = request.device;
    t.worker = request.worker;
    t.start_time = row.real(1);
    return {ClaimStatus::Claimed, t};
  }

  // Running trials matching `condition` (on $4) become failed with error $3; how many.
  int fail_where(const std::string& condition, const std::vector<pg::Param>& error_and_arg) {
    std::lock_guard<std::mutex> lock(mutex_);
    int failed = 0;
    retrying([&](bool) {
      pg::transaction(*db_, "BEGIN", [&] {
        const int64_t version = tick("trials_clock");
        pg::Result updated =
            db_->exec(std::string("UPDATE tune_trials SET state = 'failed', end_time = ") + kNow +
                          ", error = $3, version = $2 "
                          "WHERE study = $1 AND state = 'running' AND " +
                          condition,
                      {param(study_), param(version), error_and_arg[0], error_and_arg[1]});
        failed = updated.affected();
        return failed > 0;  // else nothing changed: leave the clock as it was
      });
    });
    return failed;
  }

  StudyChanges changes_in_transaction(const ChangeCursor& cursor) {
    StudyChanges changes;
    changes.cursor = cursor;
    pg::Result marks = db_->exec(
        "SELECT trials_clock, values_clock FROM tune_studies WHERE study = $1", {param(study_)});
    if (marks.rows() == 1) {
      changes.cursor.trials = std::max(cursor.trials, marks.row(0).integer(0));
      changes.cursor.values = std::max(cursor.values, marks.row(0).integer(1));
    }
    pg::Result trials = db_->exec(std::string("SELECT ") + kTrialColumns +
                                      " FROM tune_trials WHERE study = $1 AND version > $2 "
                                      "ORDER BY number",
                                  {param(study_), param(cursor.trials)});
    // As in every backend: an unreadable row comes as a stand-in (storage.h).
    for (int i = 0; i < trials.rows(); ++i) {
      TrialRow row = reader_.read_row(trials.row(i));
      changes.trials.push_back(row.trial ? std::move(*row.trial) : unreadable_stand_in(row));
    }
    pg::Result values = db_->exec(
        "SELECT trial, epoch, value FROM tune_metrics WHERE study = $1 AND version > $2 "
        "AND value IS NOT NULL ORDER BY version",
        {param(study_), param(cursor.values)});
    for (int i = 0; i < values.rows(); ++i) {
      reader_.count_row();
      pg::Row v = values.row(i);
      changes.values.push_back(
          {static_cast<int>(v.integer(0)), static_cast<int>(v.integer(1)), v.real(2)});
    }
    return changes;
  }

  // Fills in the metrics of `found` (the trials in `states`, by number) with one query.
  void attach_metrics(std::vector<TrialSnapshot>& found, const std::vector<TrialState>& states) {
    pg::Result rows = db_->exec(
        "SELECT m.trial, m.epoch, m.data FROM tune_metrics AS m JOIN tune_trials AS t "
        "ON t.study = m.study AND t.number = m.trial WHERE m.study = $1" +
            state_filter(states, "t.state") + " ORDER BY m.trial, m.seq",
        {param(study_)});
    MetricsAttacher attacher(found, reader_);
    for (int i = 0; i < rows.rows() && attacher.add(rows.row(i)); ++i) {
    }
  }

  void require_running(int number, const std::string& action) {
    pg::Result row = db_->exec("SELECT state FROM tune_trials WHERE study = $1 AND number = $2",
                               {param(study_), param(number)});
    if (row.rows() == 0)
      throw std::invalid_argument("cannot " + action + " trial " + std::to_string(number) +
                                  ": no such trial");
    const std::string state = row.row(0).text(0);
    if (state != "running")
      throw std::logic_error("cannot " + action + " trial " + std::to_string(number) +
                             ": it is already " + state);
  }

  void touch(int number) {
    db_->exec(std::string("UPDATE tune_trials SET heartbeat = ") + kNow +
                  " WHERE study = $1 AND number = $2 AND state = 'running'",
              {param(study_), param(number)});
  }

  std::mutex mutex_;
  std::unique_ptr<pg::Connection> db_;
  const std::string study_;
  const bool read_only_;
  const std::chrono::duration<double> retry_for_;
  RowReader reader_;
};

// libpq's message, with any password in it masked.
std::string connection_problem(const pg::Error& e) {
  return mask_password(e.what());
}

std::unique_ptr<pg::Connection> connect(const std::string& url, const std::string& where,
                                        bool read_only) {
  // A host that vanishes mid-transaction (power lost, cable pulled) would otherwise hold its
  // study's row lock, and stop every other worker, until the server's TCP keepalive gives up
  // on it (two hours by default). No transaction of tune's waits on anything but the server.
  std::vector<std::string> session = {"SET idle_in_transaction_session_timeout = '30s'"};
  // A reader's server refuses every write, whatever a bug might try.
  if (read_only) session.push_back("SET default_transaction_read_only = on");
  try {
    return std::make_unique<pg::Connection>(url, session);
  } catch (const pg::Error& e) {
    throw ConfigError(where, "cannot connect: " + connection_problem(e));
  }
}

// Whether tune's tables are all there: the index created last in create_tables stands for
// them, since they are created in one transaction.
bool tables_exist(pg::Connection& db) {
  return db.exec("SELECT to_regclass('tune_metrics_by_version') IS NOT NULL").row(0).text(0) == "t";
}

// Creates tune's tables where missing, under an advisory lock so that two first workers do not
// race on CREATE TABLE IF NOT EXISTS. Only when they are missing: even a DDL statement that
// finds its table there takes a table lock, which would deadlock with a running claim
// (holding its study's row and waiting for the table) if the same transaction then waited for
// that row.
void create_tables(pg::Connection& db) {
  if (tables_exist(db)) return;
  pg::transaction(db, "BEGIN", [&] {
    db.exec("SELECT pg_advisory_xact_lock($1)", {param(kSchemaLockKey)});
    if (!tables_exist(db)) db.exec_script(kTables);
    return true;
  });
}

void create_study(pg::Connection& db, const std::string& study) {
  create_tables(db);
  db.exec("INSERT INTO tune_studies (study) VALUES ($1) ON CONFLICT DO NOTHING", {param(study)});
}

bool study_exists(pg::Connection& db, const std::string& study) {
  if (!tables_exist(db)) return false;
  return db.exec("SELECT 1 FROM tune_studies WHERE study = $1", {param(study)}).rows() == 1;
}

std::string describe(const std::string& url, const std::string& study) {
  return mask_password(url) + " study \"" + study + "\"";
}

}  // namespace

std::unique_ptr<Storage> open_postgres_storage(const std::string& url, const std::string& study,
                                               double retry_seconds) {
  const std::string where = describe(url, study);
  auto db = connect(url, where, false);
  try {
    create_study(*db, study);
  } catch (const pg::Error& e) {
    throw ConfigError(where, "cannot create tune's tables: " + connection_problem(e));
  }
  return std::make_unique<PostgresStorage>(std::move(db), study, where, false, retry_seconds);
}

std::unique_ptr<Storage> open_postgres_storage_readonly(const std::string& url,
                                                        const std::string& study,
                                                        double retry_seconds) {
  const std::string where = describe(url, study);
  auto db = connect(url, where, true);
  if (!study_exists(*db, study)) throw ConfigError(where, "no such study in this database");
  return std::make_unique<PostgresStorage>(std::move(db), study, where, true, retry_seconds);
}

}  // namespace tune
