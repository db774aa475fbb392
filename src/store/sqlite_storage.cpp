// Storage on one SQLite file per study. Every call takes the connection's mutex (threads of
// one process share it) and runs in a transaction (processes sharing the file serialise on
// SQLite's write lock). WAL lets readers (`tune status`) run beside writers; synchronous=FULL
// makes each commit durable before the call returns.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/sqlite.h"
#include "store/storage.h"

namespace tune {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// How long one call keeps retrying a busy database before giving up with an error.
constexpr int kMaxWaitMs = 120000;

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS attributes (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  number INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  params TEXT NOT NULL,
  value REAL,
  summary TEXT NOT NULL DEFAULT '{}',
  start_time REAL NOT NULL,
  end_time REAL NOT NULL DEFAULT 0,
  heartbeat REAL NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  worker TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS trials_by_state ON trials(state);
CREATE TABLE IF NOT EXISTS metrics (
  trial INTEGER NOT NULL REFERENCES trials(number),
  seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  time REAL NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (trial, seq)
);
)sql";

const char* const kTrialColumns =
    "number, state, params, value, summary, start_time, end_time, device, worker, error";

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Invalid UTF-8 (a program's stderr in a summary) is replaced rather than thrown on.
std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

TrialSnapshot read_trial(const sqlite::Statement& row) {
  TrialSnapshot t;
  t.number = static_cast<int>(row.integer(0));
  t.state = trial_state_from_string(row.text(1));
  t.params = Json::parse(row.text(2));
  t.value = row.optional_real(3);
  t.summary = Json::parse(row.text(4));
  t.start_time = row.real(5);
  t.end_time = row.real(6);
  t.device = row.text(7);
  t.worker = row.text(8);
  t.error = row.text(9);
  return t;
}

class SqliteStorage : public Storage {
 public:
  explicit SqliteStorage(const std::string& path) : db_(path, kBusyTimeoutMs) {
    // Switching to WAL needs a moment of exclusive access: processes opening one new study
    // together may see SQLITE_BUSY here, hence the retry around it.
    retry_busy([&] { db_.exec("PRAGMA journal_mode=WAL"); });
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    sqlite::write_transaction(
        db_, [&] { db_.exec(kSchema); }, kMaxWaitMs);
  }

  std::optional<TrialSnapshot> claim(const Chooser& choose, const std::string& device,
                                     const std::string& worker) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> claimed;
    sqlite::write_transaction(
        db_,
        [&] {
          claimed.reset();
          std::vector<TrialSnapshot> all = load_trials();
          int number = all.empty() ? 0 : all.back().number + 1;
          std::optional<Config> params = choose(all, number);
          if (!params) return;
          TrialSnapshot t;
          t.number = number;
          t.params = *params;
          t.start_time = now_seconds();
          t.device = device;
          t.worker = worker;
          insert_running(t);
          claimed = t;
        },
        kMaxWaitMs);
    return claimed;
  }

  void report(int number, const Json& epoch_metrics) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        db_,
        [&] {
          require_running(number, "report metrics to");
          sqlite::Statement count(db_, "SELECT COUNT(*) FROM metrics WHERE trial = ?");
          count.bind(1, number).step();
          int64_t seq = count.integer(0);
          int64_t epoch = seq;
          if (epoch_metrics.is_object() && epoch_metrics.contains("epoch") &&
              epoch_metrics.at("epoch").is_number_integer())
            epoch = epoch_metrics.at("epoch").get<int64_t>();
          double now = now_seconds();
          sqlite::Statement insert(
              db_, "INSERT INTO metrics (trial, seq, epoch, time, data) VALUES (?, ?, ?, ?, ?)");
          insert.bind(1, number).bind(2, seq).bind(3, epoch).bind(4, now);
          insert.bind(5, dump(epoch_metrics)).run();
          touch(number, now);
        },
        kMaxWaitMs);
  }

  void heartbeat(int number) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        db_, [&] { touch(number, now_seconds()); }, kMaxWaitMs);
  }

  bool finish(int number, TrialState state, std::optional<double> value, const std::string& error,
              const Json& summary) override {
    if (state == TrialState::Running)
      throw std::invalid_argument("finish: the new state must not be running");
    std::lock_guard<std::mutex> lock(mutex_);
    bool won = false;
    sqlite::write_transaction(
        db_,
        [&] {
          sqlite::Statement update(db_,
                                   "UPDATE trials SET state = ?, value = ?, error = ?, "
                                   "summary = ?, end_time = ? WHERE number = ? AND state = ?");
          update.bind(1, std::string(to_string(state))).bind(2, value).bind(3, error);
          update.bind(4, dump(summary)).bind(5, now_seconds()).bind(6, number);
          update.bind(7, std::string(to_string(TrialState::Running))).run();
          won = db_.changes() == 1;
        },
        kMaxWaitMs);
    return won;
  }

  std::vector<TrialSnapshot> trials() override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TrialSnapshot> all;
    sqlite::read_transaction(
        db_, [&] { all = load_trials(); }, kMaxWaitMs);
    return all;
  }

  std::optional<TrialSnapshot> trial(int number) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<TrialSnapshot> found;
    sqlite::read_transaction(
        db_,
        [&] {
          found.reset();
          sqlite::Statement select(
              db_, std::string("SELECT ") + kTrialColumns + " FROM trials WHERE number = ?");
          select.bind(1, number);
          if (!select.step()) return;
          found = read_trial(select);
          sqlite::Statement metrics(db_, "SELECT data FROM metrics WHERE trial = ? ORDER BY seq");
          metrics.bind(1, number);
          while (metrics.step()) found->metrics.push_back(Json::parse(metrics.text(0)));
        },
        kMaxWaitMs);
    return found;
  }

  int fail_stale(double grace_seconds) override {
    std::lock_guard<std::mutex> lock(mutex_);
    int failed = 0;
    sqlite::write_transaction(
        db_,
        [&] {
          double now = now_seconds();
          sqlite::Statement update(db_,
                                   "UPDATE trials SET state = 'failed', end_time = ?, error = ? "
                                   "WHERE state = 'running' AND heartbeat < ?");
          update.bind(1, now);
          update.bind(2, std::string(kWorkerDiedError) + ": no heartbeat for over " +
                             format_seconds(grace_seconds));
          update.bind(3, now - grace_seconds).run();
          failed = db_.changes();
        },
        kMaxWaitMs);
    return failed;
  }

  int fail_running(const std::string& worker, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mutex_);
    int failed = 0;
    sqlite::write_transaction(
        db_,
        [&] {
          sqlite::Statement update(db_,
                                   "UPDATE trials SET state = 'failed', end_time = ?, error = ? "
                                   "WHERE state = 'running' AND worker = ?");
          update.bind(1, now_seconds()).bind(2, reason).bind(3, worker).run();
          failed = db_.changes();
        },
        kMaxWaitMs);
    return failed;
  }

  void set_attr(const std::string& key, const Json& value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sqlite::write_transaction(
        db_,
        [&] {
          sqlite::Statement upsert(db_,
                                   "INSERT OR REPLACE INTO attributes (key, value) VALUES (?, ?)");
          upsert.bind(1, key).bind(2, dump(value)).run();
        },
        kMaxWaitMs);
  }

  std::optional<Json> attr(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<Json> value;
    sqlite::read_transaction(
        db_,
        [&] {
          value.reset();
          sqlite::Statement select(db_, "SELECT value FROM attributes WHERE key = ?");
          select.bind(1, key);
          if (select.step()) value = Json::parse(select.text(0));
        },
        kMaxWaitMs);
    return value;
  }

 private:
  static std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
  }

  void retry_busy(const std::function<void()>& action) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kMaxWaitMs);
    for (;;) {
      try {
        action();
        return;
      } catch (const sqlite::Error& e) {
        if (!e.busy() || std::chrono::steady_clock::now() >= deadline) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Callers hold mutex_ and are inside a transaction.
  std::vector<TrialSnapshot> load_trials() {
    std::vector<TrialSnapshot> all;
    std::map<int, size_t> index;
    sqlite::Statement select(
        db_, std::string("SELECT ") + kTrialColumns + " FROM trials ORDER BY number");
    while (select.step()) {
      all.push_back(read_trial(select));
      index[all.back().number] = all.size() - 1;
    }
    sqlite::Statement metrics(db_, "SELECT trial, data FROM metrics ORDER BY trial, seq");
    while (metrics.step()) {
      auto it = index.find(static_cast<int>(metrics.integer(0)));
      if (it != index.end()) all[it->second].metrics.push_back(Json::parse(metrics.text(1)));
    }
    return all;
  }

  void insert_running(const TrialSnapshot& t) {
    sqlite::Statement insert(
        db_,
        "INSERT INTO trials (number, state, params, summary, start_time, "
        "heartbeat, device, worker) VALUES (?, 'running', ?, '{}', ?, ?, ?, ?)");
    insert.bind(1, t.number).bind(2, dump(t.params)).bind(3, t.start_time);
    insert.bind(4, t.start_time).bind(5, t.device).bind(6, t.worker).run();
  }

  void require_running(int number, const std::string& action) {
    sqlite::Statement select(db_, "SELECT state FROM trials WHERE number = ?");
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
        db_, "UPDATE trials SET heartbeat = ? WHERE number = ? AND state = 'running'");
    update.bind(1, now).bind(2, number).run();
  }

  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<Storage> open_sqlite_storage(const std::string& path) {
  return std::make_unique<SqliteStorage>(path);
}

}  // namespace tune
