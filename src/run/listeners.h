#pragma once
// The listeners a study run from the command line subscribes: the progress board on stderr,
// best.json beside the study, and the leaderboard printed at the end. Each keeps what it needs
// from the events themselves; none reads the whole study per trial.
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "run/listener.h"
#include "run/progress.h"
#include "study/study.h"

namespace tune {

// Drives a Progress board: worker lines, epochs, finished trials with the best so far.
class ProgressListener : public RunListener {
 public:
  // `best`: the study's best value when the run starts.
  ProgressListener(Progress& progress, Direction direction, std::optional<double> best);
  void trial_started(const WorkerSpec& worker, const ActiveTrial& trial) override;
  void epoch(const WorkerSpec& worker, int trial, const Json& metrics, Decision) override;
  void trial_finished(const WorkerSpec& worker, const TrialSnapshot& trial) override;
  void message(const std::string& line) override;
  void waiting(const WorkerSpec& worker, const std::string& why) override;
  void run_finished(const RunSummary&) override;

 private:
  Progress& progress_;
  Direction direction_;
  std::mutex mutex_;
  std::optional<double> best_;
};

// Rewrites best.json whenever a trial finishing here beats the best this listener has seen;
// the file then holds the study's best as storage has it (another process may have found a
// better one), read with one indexed query.
class BestFileListener : public RunListener {
 public:
  BestFileListener(Study& study, std::string path);
  void trial_finished(const WorkerSpec& worker, const TrialSnapshot& trial) override;
  void run_finished(const RunSummary&) override;
  // Failures to write the file are warnings, told to this listener (the progress board).
  void set_warnings(RunListener* sink) { warnings_ = sink; }

 private:
  void write();  // caller holds mutex_
  Study& study_;
  std::string path_;
  RunListener* warnings_ = nullptr;
  std::mutex mutex_;
  std::optional<double> best_;
};

// With "objective.keep_best_weights": each training trial that ends on its own leaves its
// weights at study_trial_weights_path. A complete trial that beats the best this listener has
// seen becomes study_best_weights_path (one rename: best.pt is always a whole archive, of the
// best trial kept so far); every other trial's file is deleted. A better trial whose weights
// are missing (another process found it) leaves best.pt as it was: the archive names its
// trial, so readers can tell. On creation it tidies what a killed run left (tidy_after_crash).
class BestWeightsListener : public RunListener {
 public:
  BestWeightsListener(Study& study, std::string dir);
  void trial_finished(const WorkerSpec& worker, const TrialSnapshot& trial) override;
  void run_finished(const RunSummary&) override;

 private:
  void tidy_after_crash(const std::optional<TrialSnapshot>& best);

  Study& study_;
  std::string dir_;
  std::mutex mutex_;
  std::optional<double> best_;
};

// Population-based studies (strategy/pbt.h): after each stretch, and when the run ends,
// deletes the checkpoints (study_checkpoint_path) that no later stretch can go on from
// (pbt_live_checkpoints), except the best trial's, which `tune best --test` reloads. Other
// processes' running stretches are in storage, so their parents stay; a checkpoint is deleted
// only once storage shows its trial finished (a stretch writes it just before).
class CheckpointListener : public RunListener {
 public:
  CheckpointListener(Study& study, std::string dir) : study_(study), dir_(std::move(dir)) {}
  void trial_finished(const WorkerSpec& worker, const TrialSnapshot& trial) override;
  void run_finished(const RunSummary&) override { tidy(); }

 private:
  void tidy();
  Study& study_;
  std::string dir_;
  std::mutex mutex_;
};

// Prints the leaderboard of the study's complete trials (and how many were pruned or failed)
// and why the run stopped.
class LeaderboardListener : public RunListener {
 public:
  LeaderboardListener(Study& study, std::ostream& out, size_t top = 5)
      : study_(study), out_(out), top_(top) {}
  void run_finished(const RunSummary& summary) override;

 private:
  Study& study_;
  std::ostream& out_;
  size_t top_;
};

}  // namespace tune
