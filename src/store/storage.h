#pragma once
// Where a study's trials live. The contract every implementation keeps:
// - Thread-safe, and safe across processes sharing one study.
// - Proposals are computed outside any transaction. `claim` is a short transaction that inserts
//   a Running trial only if nothing was inserted since the caller last synchronised (the
//   number it proposed for is still the next one) and the budget allows it; otherwise it
//   reports a conflict and the caller synchronises, proposes again and retries. So no two
//   workers (threads or processes) get the same trial number, and a strategy never hands out
//   a point another worker already holds.
// - A finished trial never changes again: `finish` is a compare-and-swap from Running and
//   returns the finished trial only when it won.
// - Every write is durable (committed) before the call returns.
// - Reads are filtered: nothing needs to read every trial and every epoch row again per trial.
//   `changes_since` returns only the trial rows and per-epoch values written after a cursor,
//   so a process keeps an up-to-date view of a study at a cost that does not grow with it.
// - Reads never fail on one bad row. A row that cannot be read (a state tune does not know;
//   params, summary or an epoch's metrics that are not JSON) is left out of what trials(),
//   trial() and best() return and recorded in warnings(); changes_since() returns it as a
//   stand-in (see there). A skipped row keeps its number: claims count from the largest one.
// - A storage opened read-only never writes; its write calls throw ConfigError.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

struct ClaimRequest {
  int number = 0;  // the number the caller proposed for (its view's next one)
  Config params = Json::object();
  std::optional<int> budget;  // refuse when this many trials are complete, pruned or running
  std::string device;
  std::string worker;
};

enum class ClaimStatus {
  Claimed,      // inserted as Running
  Conflict,     // another trial was inserted meanwhile: synchronise and propose again
  BudgetSpent,  // complete + pruned + running trials already reach the budget
};

struct ClaimResult {
  ClaimStatus status = ClaimStatus::Conflict;
  std::optional<TrialSnapshot> trial;  // set when Claimed
};

// Which trials a read returns.
struct TrialQuery {
  std::vector<TrialState> states;  // empty: every state
  bool with_metrics = false;       // the per-epoch rows (TrialSnapshot::metrics)
};

// One epoch's value of the study's objective metric, as a trial reported it.
struct IntermediateValue {
  int trial = -1;
  int epoch = 0;
  double value = 0;
};

// Where a reader stands: every change up to these marks has been seen.
struct ChangeCursor {
  int64_t trials = 0;  // trial rows changed (inserted, finished, failed) after this mark
  int64_t values = 0;  // intermediate values written after this mark
};

struct StudyChanges {
  std::vector<TrialSnapshot> trials;      // changed rows, without metrics, by number
  std::vector<IntermediateValue> values;  // in the order they were written
  ChangeCursor cursor;                    // pass it to the next call
};

// One epoch's report as stored: what `tune copy` moves with a trial.
struct StoredEpoch {
  int trial = -1;
  int64_t epoch = 0;
  double time = 0;              // when it was reported, seconds since the epoch
  Json data = Json::object();   // the metrics as reported
  std::optional<double> value;  // the objective's value, when it had a finite one
};

// Everything a study holds, as stored: for moving a study between storages (tune copy).
struct StudyRecord {
  std::vector<std::pair<std::string, Json>> attrs;  // by key
  std::vector<TrialSnapshot> trials;                // by number, without metrics
  std::vector<StoredEpoch> epochs;                  // by trial, in the order reported
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual ClaimResult claim(const ClaimRequest& request) = 0;

  // Appends one epoch's metrics to a running trial and refreshes its heartbeat. `value` is the
  // study's objective metric for that epoch, when the metrics have a finite one: it is what
  // pruners compare. The epoch is metrics["epoch"] when that is an integer, else the count of
  // earlier reports + 1.
  virtual void report(int number, const Json& epoch_metrics, std::optional<double> value) = 0;
  // Refreshes a running trial's heartbeat (the worker is alive).
  virtual void heartbeat(int number) = 0;
  // Running -> state (Complete, Pruned, Failed) with value and error. Returns the finished
  // trial (without metrics), or nullopt if it was no longer running (already finished, or
  // marked stale by another process).
  virtual std::optional<TrialSnapshot> finish(int number, TrialState state,
                                              std::optional<double> value, const std::string& error,
                                              const Json& summary = Json::object()) = 0;

  // Trials in number order, filtered by `query`; unreadable rows (and unreadable epoch rows of
  // readable trials) left out.
  virtual std::vector<TrialSnapshot> trials(const TrialQuery& query = {}) = 0;
  // One trial with its metrics; nullopt when there is none or its row cannot be read.
  virtual std::optional<TrialSnapshot> trial(int number) = 0;
  // The best readable complete trial with a finite value (ties: the lower number), without
  // metrics.
  virtual std::optional<TrialSnapshot> best(Direction direction) = 0;
  // What changed after `cursor` (a default cursor: everything). A changed row that cannot be
  // read comes as a stand-in that keeps its number and its share of the budget, and gives
  // nothing else: no params, no value; Complete when its stored state counts toward the budget
  // (running, complete, pruned), else Failed; `error` says what is wrong. A view built from
  // these changes thus agrees with claim() on the next number and on the budget.
  virtual StudyChanges changes_since(const ChangeCursor& cursor) = 0;

  // Marks as failed every running trial whose heartbeat is older than `grace_seconds`
  // (its process died). Returns how many.
  virtual int fail_stale(double grace_seconds) = 0;
  // Marks as failed the running trials of `worker` (this process, on Ctrl-C).
  virtual int fail_running(const std::string& worker, const std::string& reason) = 0;

  // Study-level key/value settings (direction, config name, the experiment JSON). A stored
  // value that is not JSON reads as missing, with a warning.
  virtual void set_attr(const std::string& key, const Json& value) = 0;
  virtual std::optional<Json> attr(const std::string& key) = 0;

  // Trial rows and metric rows parsed since this object was opened (tests and benchmarks
  // check that reads do not grow with the study).
  virtual int64_t rows_read() const = 0;

  // What reads skipped since this object was opened, each once, in the order found, as
  // "FILE: trial N: what is wrong (skipped)" (past 20, one line counts the rest). The caller
  // shows them (the CLI: once, on stderr, when a command ends).
  virtual std::vector<std::string> warnings() const = 0;

  // Everything the study holds, in one snapshot; unreadable rows left out (and warned about).
  virtual StudyRecord dump() = 0;
  // Writes `record` into this study, which must hold no trial (ConfigError otherwise), in one
  // transaction: every field as it was (states, times, errors, epochs and their values),
  // attributes included. A running trial stays running, its heartbeat the time of loading.
  virtual void load(const StudyRecord& record) = 0;
};

// Opens (creating if needed) the SQLite study database `path` for reading and writing.
// ConfigError naming the file, before anything is written to it, when it is not an SQLite
// database, is an SQLite database without tune's tables, or cannot be written (a read-only
// file, directory or file system).
std::unique_ptr<Storage> open_sqlite_storage(const std::string& path);
// Opens an existing study database only to read it: nothing is written, no WAL switch, no
// migration, so it works on a read-only file system too. The same ConfigErrors, and one for
// a database with no tables.
std::unique_ptr<Storage> open_sqlite_storage_readonly(const std::string& path);

// How long a PostgreSQL storage keeps retrying a call after losing its server, by default.
inline constexpr double kDefaultStorageRetrySeconds = 180;

// Opens the study named `study` in the PostgreSQL database at `url` (storage_url.h), creating
// tune's tables and the study when missing. ConfigError naming the URL (its password masked)
// and the study when the server cannot be reached or refuses. Afterwards a call that loses
// the server retries with backoff for up to `retry_seconds` (a claim or finish whose commit
// may have landed checks for it first, so nothing is written twice), then throws
// std::runtime_error; heartbeats are not retried (the next one is).
std::unique_ptr<Storage> open_postgres_storage(const std::string& url, const std::string& study,
                                               double retry_seconds = kDefaultStorageRetrySeconds);
// Opens an existing PostgreSQL study only to read it (the connection is read-only); the same
// ConfigErrors, and one when the database holds no such study.
std::unique_ptr<Storage> open_postgres_storage_readonly(
    const std::string& url, const std::string& study,
    double retry_seconds = kDefaultStorageRetrySeconds);

}  // namespace tune
