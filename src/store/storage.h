#pragma once
// Where a study's trials live. The contract every implementation keeps:
// - Thread-safe, and safe across processes sharing one study.
// - `claim` is atomic: the chooser sees every trial and the new trial is inserted in the same
//   transaction, so two workers (threads or processes) never get the same trial number and a
//   strategy never hands out a point another worker already holds.
// - A finished trial never changes again: `finish` is a compare-and-swap from Running and
//   says whether it won.
// - Every write is durable (committed) before the call returns.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

class Storage {
 public:
  virtual ~Storage() = default;

  // Given all trials so far and the number the next one would get, return the params of the
  // trial to start, or nullopt for none (budget spent, grid exhausted).
  using Chooser =
      std::function<std::optional<Config>(const std::vector<TrialSnapshot>& trials, int number)>;
  // Atomically choose and insert a Running trial; returns it, or nullopt if the chooser
  // declined.
  virtual std::optional<TrialSnapshot> claim(const Chooser& choose, const std::string& device,
                                             const std::string& worker) = 0;

  // Appends one epoch's metrics to a running trial and refreshes its heartbeat.
  virtual void report(int number, const Json& epoch_metrics) = 0;
  // Refreshes a running trial's heartbeat (the worker is alive).
  virtual void heartbeat(int number) = 0;
  // Running -> state (Complete, Pruned, Failed) with value and error. False if the trial was
  // no longer running (already finished, or marked stale by another process).
  virtual bool finish(int number, TrialState state, std::optional<double> value,
                      const std::string& error, const Json& summary = Json::object()) = 0;

  virtual std::vector<TrialSnapshot> trials() = 0;
  virtual std::optional<TrialSnapshot> trial(int number) = 0;

  // Marks as failed every running trial whose heartbeat is older than `grace_seconds`
  // (its process died). Returns how many.
  virtual int fail_stale(double grace_seconds) = 0;
  // Marks as failed the running trials of `worker` (this process, on Ctrl-C).
  virtual int fail_running(const std::string& worker, const std::string& reason) = 0;

  // Study-level key/value settings (direction, config name, the experiment JSON).
  virtual void set_attr(const std::string& key, const Json& value) = 0;
  virtual std::optional<Json> attr(const std::string& key) = 0;
};

// Opens (creating if needed) the SQLite study database `path`.
std::unique_ptr<Storage> open_sqlite_storage(const std::string& path);

}  // namespace tune
