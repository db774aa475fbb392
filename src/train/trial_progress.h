#pragma once
// One trial's bookkeeping across epochs, the same whether the trial trains alone (Trainer) or
// in a fused group (train/fused/): the best epoch of the monitored metric, the callbacks, the
// stop on a NaN/inf training loss, the per-epoch hook, stop requests, and the stop reason.
// Whoever trains the trial measures each epoch and hands it over; this decides what follows.
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "train/callbacks.h"
#include "train/metrics.h"

namespace tune {

// What the trainer's user attaches to one trial.
struct TrialHooks {
  std::vector<std::unique_ptr<Callback>> callbacks;
  // Called with each epoch's metrics after the callbacks have seen them.
  std::function<void(const EpochMetrics&)> on_epoch;
  // Polled between batches; true ends training with stop reason "stopped".
  std::function<bool()> stop;
};

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};

struct TrainResult {
  std::vector<EpochMetrics> history;
  std::string stop_reason;  // see stop_reason:: in callbacks.h
  std::string monitor;
  int best_epoch = 0;  // 0 when no epoch gave a finite value
  double best_value = std::numeric_limits<double>::quiet_NaN();
  std::optional<Evaluation> test;  // with the weights training ended with
  std::optional<int> threads;      // the intra-op threads the last epoch chose (tune_threads)

  // {"history": [...], "stop_reason", "monitor", "best_epoch", "best_value",
  //  "test_loss", "test_accuracy" (when there is a test split)}
  Json to_json() const;
};

class TrialProgress {
 public:
  // `hooks` must outlive this; `control` reaches the trial's weights (for restore_best).
  TrialProgress(int epochs, std::string monitor, Mode mode, TrialHooks& hooks,
                TrainerControl control);

  // Calls the callbacks' on_train_begin.
  void begin();
  // A run that goes on from a checkpoint: `done` epochs are behind it, the next is done + 1.
  void resume_after(int done) { epoch_ = done; }
  // Whether the trial trains another epoch, and its number.
  bool wants_epoch() const { return result_.stop_reason.empty() && epoch_ < epochs_; }
  int next_epoch() const { return epoch_ + 1; }
  // Whether the user asks the trial to stop now.
  bool stop_requested() const { return hooks_.stop && hooks_.stop(); }
  // A stop request cut the current epoch short: it is not reported, training ends.
  void interrupt();
  // Records a finished epoch: best value, callbacks, divergence, hook, stop request.
  void end_epoch(const EpochMetrics& m);
  // Ends training (on_train_end) and returns the result; call once.
  TrainResult finish();
  // A trial stopped from outside (pruned, interrupted) is not judged on the test split.
  bool judged_on_test() const { return result_.stop_reason != stop_reason::kStopped; }

 private:
  int epochs_;
  Mode mode_;
  TrialHooks& hooks_;
  TrainerControl control_;
  TrainResult result_;
  int epoch_ = 0;
};

}  // namespace tune
