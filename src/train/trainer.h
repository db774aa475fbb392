#pragma once
// The epoch loop. Data already lives on the model's device; each epoch draws one permutation
// there, slices batches with index_select, and keeps loss and accuracy sums on the device so
// the host waits for the device once per epoch, not once per batch.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/hparams.h"
#include "common/json.h"
#include "data/dataset.h"
#include "train/callbacks.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/thread_tuner.h"
#include "train/trial_progress.h"

namespace tune {

class CpuMlpStep;

// Knobs of the loop itself (the optimizer's are in optimizer.h):
//   batch_size  1..1048576 (default 128)
//   epochs      1..100000 (default 10)
//   seed        >= 0 (default 0): initial weights, batch order and dropout
//   lr_schedule "constant" (default) or "cosine": epoch e of `epochs` trains at
//               lr * (1 + cos(pi (e - 1) / epochs)) / 2, from lr in the first epoch down to
//               near 0 in the last (cosine annealing per epoch, without restarts)
enum class LrSchedule { Constant, Cosine };

struct TrainOptions {
  int64_t batch_size = 128;
  int epochs = 10;
  // A stretch of a longer run (population-based training): fit trains epochs first_epoch to
  // last_epoch (0: to `epochs`), numbered so, while the schedule follows all `epochs`.
  int first_epoch = 1;
  int last_epoch = 0;
  uint64_t seed = 0;
  LrSchedule lr_schedule = LrSchedule::Constant;
  std::string monitor = "val_accuracy";  // what best_epoch / best_value follow
  Mode mode = Mode::Max;
  int64_t eval_batch_size = 4096;
  // On the CPU, measure which intra-op thread count (up to the thread's current one) trains
  // fastest at the start of each epoch (train/thread_tuner.h); off when the user fixed it.
  bool tune_threads = false;

  static TrainOptions from(const Hyperparameters& hp);
  // The factor on the optimizer's learning rate in epoch `epoch` (1-based).
  double lr_factor(int epoch) const;
};

class Trainer {
 public:
  // `model` already on its device; `optimizer` over its parameters.
  Trainer(torch::nn::Sequential model, std::unique_ptr<torch::optim::Optimizer> optimizer,
          TrainOptions options);
  ~Trainer();

  void add_callback(std::unique_ptr<Callback> callback);
  // Called with each epoch's metrics after the callbacks have seen them.
  void on_epoch(std::function<void(const EpochMetrics&)> hook) {
    hooks_.on_epoch = std::move(hook);
  }
  // Polled between batches; true ends training with stop reason "stopped".
  void stop_when(std::function<bool()> requested) { hooks_.stop = std::move(requested); }
  // On a CUDA device, fit replays each full batch's step (forward, backward, optimizer step)
  // from a CUDA graph (train/step_graph.h), with `spec`'s optimizer as a one-trial
  // FusedOptimizer (step count and learning rate on the device) instead of the torch::optim
  // one given at construction, which a captured step could not use. The last partial batch
  // and evaluation run eagerly. Elsewhere (the CPU) nothing changes.
  void capture_steps(const OptimizerSpec& spec) { graph_optimizer_ = spec; }
  // Whether the last fit replayed a captured step (false where it ran eagerly throughout).
  bool replayed_graph() const { return replayed_graph_; }

  // Trains on data.train, validates on data.val each epoch, tests on data.test at the end.
  TrainResult fit(const Dataset& data);
  // Mean loss and accuracy over `split`, without gradients, in evaluation mode.
  Evaluation evaluate(const Split& split);

  torch::nn::Sequential& model() { return model_; }

 private:
  // One pass over the training split; false when a stop request cut it short.
  bool train_epoch(const Split& train, EpochMetrics& metrics);
  // The epoch's training loss sum and correct count, kept on the device.
  struct Totals {
    torch::Tensor loss, correct;
  };
  // One optimizer step on the batch (x, y), its loss and hits added to `totals`.
  void step(const torch::Tensor& x, const torch::Tensor& y, Totals& totals);
  struct Graphed;  // a fit's captured step and what it reads and writes
  // Sets the learning rate of every parameter group to its value in `base` times `factor`
  // (the graphed step's optimizer: its spec's lr times `factor`).
  void scale_lr(const std::vector<double>& base, double factor);
  void start_graphs(const Split& train, std::vector<at::Generator> dropout);

  torch::nn::Sequential model_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  TrainOptions options_;
  TrialHooks hooks_;
  at::Generator generator_;
  // During fit, with tune_threads on the CPU: the worker's shared tuner, else one of its own.
  ThreadTuner* threads_ = nullptr;
  std::unique_ptr<ThreadTuner> own_threads_;
  std::optional<OptimizerSpec> graph_optimizer_;
  std::unique_ptr<Graphed> graphed_;  // during fit, with capture_steps on a GPU
  // During fit, for a builders' MLP on the CPU: its steps without autograd (train/cpu_mlp_step.h).
  std::unique_ptr<CpuMlpStep> cpu_step_;
  bool replayed_graph_ = false;
};

// Re-draws every Linear and Conv2d weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// (PyTorch's default scheme) with a generator seeded by `seed`, so a trial's initial weights
// depend on its seed only, not on other threads drawing from the global generator.
void initialize_parameters(torch::nn::Module& model, uint64_t seed);

// Mean loss and accuracy of `model` over `split` (on the model's device), without gradients,
// in evaluation mode, `batch_size` examples at a time.
Evaluation evaluate_model(torch::nn::Sequential& model, const Split& split, int64_t batch_size);

}  // namespace tune
