#pragma once
// Epoch-end callbacks: each sees every epoch's metrics and may end training by returning the
// reason. Library users implement Callback for their own rules; the built-in ones are
// EarlyStopping, TargetReached, Divergence and TimeBudget, built from an experiment's
// "callbacks" section by make_callbacks().
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "train/metrics.h"

namespace tune {

// Stop reasons the trainer reports.
namespace stop_reason {
inline const char* const kMaxEpochs = "max_epochs";
inline const char* const kEarlyStopping = "early_stopping";
inline const char* const kTargetReached = "target_reached";
inline const char* const kDiverged = "diverged";
inline const char* const kTimeBudget = "time_budget";
inline const char* const kStopped = "stopped";  // the study asked the trial to stop
}  // namespace stop_reason

// Copies of a model's parameters and buffers.
using WeightsSnapshot = std::vector<torch::Tensor>;

// What a callback may do to the training run beyond stopping it: keep and restore weights.
// Without a model (callbacks driven by hand in tests) snapshots are empty and restoring does
// nothing.
class TrainerControl {
 public:
  // A model's parameters and buffers.
  explicit TrainerControl(torch::nn::Module* model = nullptr);
  // A trial's state as tensors that alias the trained ones (in a fused group, its slices of
  // the stacked weights): restoring writes through them.
  explicit TrainerControl(std::vector<torch::Tensor> state);
  WeightsSnapshot snapshot() const;
  void restore(const WeightsSnapshot& weights);
  bool has_model() const { return has_model_; }

 private:
  std::vector<torch::Tensor> state_;
  bool has_model_ = false;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(TrainerControl&) {}
  // Called after each epoch; a returned reason ends training after this epoch.
  virtual std::optional<std::string> on_epoch_end(const EpochMetrics& metrics,
                                                  TrainerControl& control) = 0;
  // Called once when training ends, whatever the reason.
  virtual void on_train_end(TrainerControl&) {}
};

enum class Mode { Min, Max };
// "min" / "max", or "auto": min for losses, max for accuracies.
Mode parse_mode(const std::string& text, const std::string& monitor);

// Stops when `monitor` has not improved by more than `min_delta` for `patience` epochs in a
// row. With restore_best, the model ends with the weights of its best epoch.
class EarlyStopping : public Callback {
 public:
  struct Options {
    std::string monitor = "val_loss";
    Mode mode = Mode::Min;
    int patience = 2;
    double min_delta = 0;
    bool restore_best = true;
  };
  explicit EarlyStopping(Options options) : o_(std::move(options)) {}
  std::optional<std::string> on_epoch_end(const EpochMetrics& m, TrainerControl& c) override;
  void on_train_end(TrainerControl& c) override;
  int best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }

 private:
  Options o_;
  double best_ = 0;
  int best_epoch_ = 0;
  int last_epoch_ = 0;
  int wait_ = 0;
  WeightsSnapshot best_weights_;
};

// Stops once `monitor` reaches `value` (>= for max, <= for min).
class TargetReached : public Callback {
 public:
  struct Options {
    std::string monitor = "val_accuracy";
    Mode mode = Mode::Max;
    double value = 1.0;
  };
  explicit TargetReached(Options options) : o_(std::move(options)) {}
  std::optional<std::string> on_epoch_end(const EpochMetrics& m, TrainerControl& c) override;

 private:
  Options o_;
};

// Stops when `monitor` (a loss) is NaN or infinite, or, with a factor, rises above factor
// times the best value seen so far.
class Divergence : public Callback {
 public:
  struct Options {
    std::string monitor = "train_loss";
    std::optional<double> factor;  // > 1
  };
  explicit Divergence(Options options) : o_(std::move(options)) {}
  std::optional<std::string> on_epoch_end(const EpochMetrics& m, TrainerControl& c) override;

 private:
  Options o_;
  std::optional<double> best_;
};

// Stops once the epochs so far have taken `seconds` in total.
class TimeBudget : public Callback {
 public:
  explicit TimeBudget(double seconds) : seconds_(seconds) {}
  std::optional<std::string> on_epoch_end(const EpochMetrics& m, TrainerControl& c) override;

 private:
  double seconds_;
  double spent_ = 0;
};

// From a "callbacks" section: {"early_stopping": {...}, "target_reached": {...},
// "divergence": {...}, "time_budget": {"seconds": 300}}; each value an object, or false to
// leave it out (the trainer itself always stops on a NaN/inf training loss). Unknown keys,
// wrong types and bad values throw ConfigError naming `where`.key.field.
std::vector<std::unique_ptr<Callback>> make_callbacks(const Json& section,
                                                      const std::string& where);

}  // namespace tune
