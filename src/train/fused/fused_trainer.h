#pragma once
// The epoch loop of a fused group: K trials trained as one batched model (a FusedModel: mlp
// or cnn) with one
// batched optimizer (FusedOptimizer). Each trial draws its own batches in its own order (the
// permutation the Trainer would draw for it alone, from its seed), its loss is its own batch
// mean (the group minimises their sum, so each trial's gradient is its own), and its metrics,
// callbacks, hook and stop request are handled per trial by the Trainer's own bookkeeping
// (train/trial_progress.h). A trial that stops leaves the group: its loss weight and learning
// rate become 0, so its weights stay as they were (its batch-norm statistics, which the group's
// later training batches still move, are put back after each epoch), and the other trials
// compute what they would without it. Trials of a group share the batch size; epochs, seeds and
// callbacks are per trial.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "common/hparams.h"
#include "data/dataset.h"
#include "models/builders.h"
#include "train/fused/fused_model.h"
#include "train/fused/fused_optimizer.h"
#include "train/trainer.h"

namespace tune {

class FusedTrainer {
 public:
  // options[k] is trial k's; all with one batch size (else ConfigError).
  FusedTrainer(std::unique_ptr<FusedModel> model, FusedOptimizer optimizer,
               std::vector<TrainOptions> options);

  int64_t trials() const { return model_->trials(); }
  void add_callback(int64_t trial, std::unique_ptr<Callback> callback);
  void on_epoch(int64_t trial, std::function<void(const EpochMetrics&)> hook);
  void stop_when(int64_t trial, std::function<bool()> requested);

  // Trains every trial on data.train, validates each epoch, tests at the end: one result per
  // trial, as Trainer::fit gives it (samples_per_second is each trial's own; the group trains
  // K times as many). A trial that left early is tested with the weights it left with.
  std::vector<TrainResult> fit(const Dataset& data);
  // Each trial's mean loss and accuracy over `split`, in evaluation mode.
  std::vector<Evaluation> evaluate(const Split& split);

  FusedModel& model() { return *model_; }

 private:
  struct Run;  // the state of one fit
  void train_epoch(const Split& train, Run& run);
  void leave(Run& run, int64_t trial);
  // Puts back the state the trials that left had when they left.
  void keep_left_state(Run& run);

  std::unique_ptr<FusedModel> model_;
  FusedOptimizer optimizer_;
  std::vector<TrainOptions> options_;
  std::vector<TrialHooks> hooks_;
};

// K configs as one group on `device`: each trial's model, initial weights, optimizer and loop
// knobs read from its config as a trial alone reads them. ConfigError when they cannot share a
// group (models other than mlp and cnn or of two kinds, mlp batch norm, different layer or
// block counts, kernel sizes, pooling, batch sizes or optimizers; see fused_mlp.h and
// fused_cnn.h for what may differ).
FusedTrainer make_fused_trainer(const std::vector<Hyperparameters>& configs,
                                const InputShape& input_shape, int64_t num_classes,
                                const torch::Device& device);

}  // namespace tune
