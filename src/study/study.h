#pragma once
// A study: the trials of one search, kept in a Storage, proposed by a Strategy over a Space,
// pruned by an optional Pruner. Workers use it ask/tell style (ask, run the objective, report
// epochs, tell the outcome), from any number of threads and processes at once:
// - The Study keeps a view of the stored trials (without per-epoch rows) and of every trial's
//   learning curve, brought up to date from storage's changes since the last look, so each ask
//   and each report costs the same however large the study grows.
// - `ask` proposes outside any transaction and claims in a short one; when another worker
//   (thread or process) claimed a trial meanwhile, it catches up and proposes again. So no
//   number or point is handed out twice and nothing waits on a strategy holding a lock.
// - `report` stores an epoch and asks the pruner, which sees the same stored curves in every
//   process: it answers continue or prune.
// - Every tell is committed before it returns, so nothing finished is lost.
// - A background thread refreshes the heartbeat of the trials this Study object is running;
//   trials of dead processes (no heartbeat for `stale_after` seconds) are marked failed on
//   open and before each ask, which frees their budget.
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/trial.h"
#include "prune/curves.h"
#include "prune/pruner.h"
#include "space/space.h"
#include "store/storage.h"
#include "strategy/strategy.h"

namespace tune {

struct StudyOptions {
  // Total trials across resumes, counting complete, pruned and running ones (failed trials
  // do not use the budget). nullopt: until the strategy runs out.
  std::optional<int> trials;
  uint64_t seed = 0;
  Direction direction = Direction::Minimize;
  Config base_params = Json::object();  // fixed params that each trial's sampled ones overlay
  double stale_after = 30;              // seconds without a heartbeat before a trial is dead
  double heartbeat_every = 0;           // seconds; 0 picks min(5, stale_after / 4)
  // The objective's metric in each epoch's metrics ("val_accuracy", "value"): what the
  // pruner compares.
  std::string metric = "value";
  std::shared_ptr<const Pruner> pruner;  // nullptr: never prune
};

// A trial this worker holds: what it runs and where.
struct ActiveTrial {
  int number = -1;
  Config params;  // the sampled values (what the strategy chose and storage keeps)
  Config config;  // base_params overlaid with params: what the objective runs
  std::string device;
  std::string worker;
};

enum class AskStatus {
  Claimed,       // `trial` is set
  BudgetSpent,   // the budget is used by finished trials: stop
  StrategyDone,  // the strategy has nothing left (an exhausted grid): stop
  Wait,          // declined, but running trials may still fail and free budget or points:
                 // ask again later
};

struct AskResult {
  AskStatus status = AskStatus::BudgetSpent;
  std::optional<ActiveTrial> trial;
  // With Wait: how many of the running trials this Study object does not run (other
  // processes' trials, which may belong to a dead process until they go stale).
  int running_elsewhere = 0;
};

struct BatchAskResult {
  AskStatus status = AskStatus::BudgetSpent;
  std::vector<ActiveTrial> trials;  // in number order
  int running_elsewhere = 0;        // as AskResult's
};

class Study {
 public:
  // Marks stale running trials failed (see stale_failed_at_open) and starts the heartbeat.
  Study(std::shared_ptr<Storage> storage, Space space, std::unique_ptr<Strategy> strategy,
        StudyOptions options);
  ~Study();
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  AskResult ask(const std::string& device, const std::string& worker);
  // Up to n trials at once (a fused group), proposed together (Strategy::propose_batch) and
  // claimed one short transaction each; fewer when the budget or the strategy runs out or
  // another process claims meanwhile. Claimed: at least one in `trials`. `fuse_key`, when set,
  // says what trials must share to fuse, given a trial's whole config (base params overlaid):
  // the strategy may then prefer a batch of one shape (ProposalContext::fuse_key).
  BatchAskResult ask_batch(const std::string& device, const std::string& worker, int n,
                           const FuseKeyFn& fuse_key = {});
  // Stores one epoch's metrics (and refreshes the heartbeat), then asks the pruner whether
  // the trial should stop here.
  Decision report(int number, const Json& epoch_metrics);
  // Outcomes. Each returns the finished trial (without metrics), or nullopt when the trial was
  // no longer running (another process marked it stale): the result could not be recorded.
  // A non-finite value makes the trial failed.
  std::optional<TrialSnapshot> tell_complete(int number, double value,
                                             const Json& summary = Json::object());
  std::optional<TrialSnapshot> tell_failed(int number, const std::string& error,
                                           const Json& summary = Json::object());
  // Pruned, with the last value it reported (if any).
  std::optional<TrialSnapshot> tell_pruned(int number, const Json& summary = Json::object());
  // Fails every trial this Study object is still running (Ctrl-C); returns how many.
  int fail_own_running(const std::string& reason);

  // Reads straight from storage, filtered.
  std::vector<TrialSnapshot> trials(const TrialQuery& query = {}) const;
  std::optional<TrialSnapshot> trial(int number) const;
  std::optional<TrialSnapshot> best() const;
  // Trials using the budget (complete, pruned, running) in this object's view of the study.
  int budget_used();

  int stale_failed_at_open() const { return stale_at_open_; }
  const StudyOptions& options() const { return options_; }
  Direction direction() const { return options_.direction; }
  const Space& space() const { return space_; }
  Storage& storage() const { return *storage_; }
  // Seconds a worker told to Wait should pause before asking again.
  double wait_interval() const;

 private:
  // What this process knows of the stored study; guarded by view_mutex_.
  struct View {
    std::vector<TrialSnapshot> trials;  // by number, no metrics
    LearningCurves curves;
    ChangeCursor cursor;
    int used = 0;  // complete + pruned + running
    int running = 0;
  };
  void sync();                     // caller holds view_mutex_
  void fail_stale_now_and_then();  // caller holds view_mutex_
  int running_elsewhere();         // caller holds view_mutex_
  // The caller holds view_mutex_.
  std::vector<Config> propose(int number, int n, const FuseKeyFn& fuse_key, AskStatus& status);
  Config trial_config(const Config& params) const;  // base_params overlaid with `params`
  std::optional<TrialSnapshot> finish(int number, TrialState state, std::optional<double> value,
                                      const std::string& error, const Json& summary);
  void heartbeat_loop();

  std::shared_ptr<Storage> storage_;
  Space space_;
  std::unique_ptr<Strategy> strategy_;  // guarded by view_mutex_ (strategies need not be
                                        // thread-safe)
  StudyOptions options_;
  int stale_at_open_ = 0;

  std::mutex view_mutex_;
  View view_;
  std::chrono::steady_clock::time_point last_stale_check_;

  std::mutex own_mutex_;
  struct Own {
    std::optional<int> max_epochs;  // the trial's epoch budget, for the pruner
    int reports = 0;
  };
  std::map<int, Own> own_;  // trials this object claimed and has not told yet
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

// Trials that use the budget: complete, pruned and running.
int budget_used(const std::vector<TrialSnapshot>& trials);
// Complete trials with a finite value, best first (ties: lower number first).
std::vector<TrialSnapshot> ranked(const std::vector<TrialSnapshot>& trials, Direction direction);
std::optional<TrialSnapshot> best_trial(const std::vector<TrialSnapshot>& trials,
                                        Direction direction);

}  // namespace tune
