#include "train/callbacks.h"

#include <cmath>

#include "common/error.h"

namespace tune {
namespace {

bool improved(double value, double best, Mode mode, double min_delta) {
  if (!std::isfinite(value)) return false;
  return mode == Mode::Min ? value < best - min_delta : value > best + min_delta;
}

}  // namespace

TrainerControl::TrainerControl(torch::nn::Module* model) : has_model_(model != nullptr) {
  if (!model) return;
  for (const auto& p : model->parameters()) state_.push_back(p);
  for (const auto& b : model->buffers()) state_.push_back(b);
}

TrainerControl::TrainerControl(std::vector<torch::Tensor> state)
    : state_(std::move(state)), has_model_(true) {}

WeightsSnapshot TrainerControl::snapshot() const {
  WeightsSnapshot out;
  torch::NoGradGuard no_grad;
  for (const auto& t : state_) out.push_back(t.detach().clone());
  return out;
}

void TrainerControl::restore(const WeightsSnapshot& weights) {
  if (weights.empty()) return;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < state_.size(); ++i) state_[i].copy_(weights.at(i));
}

Mode parse_mode(const std::string& text, const std::string& monitor) {
  if (text == "min") return Mode::Min;
  if (text == "max") return Mode::Max;
  return natural_direction(monitor) == Direction::Minimize ? Mode::Min : Mode::Max;
}

std::optional<std::string> EarlyStopping::on_epoch_end(const EpochMetrics& m, TrainerControl& c) {
  double value = m.get(o_.monitor);
  last_epoch_ = m.epoch;
  if (best_epoch_ == 0 ? std::isfinite(value) : improved(value, best_, o_.mode, o_.min_delta)) {
    best_ = value;
    best_epoch_ = m.epoch;
    wait_ = 0;
    if (o_.restore_best) best_weights_ = c.snapshot();
    return std::nullopt;
  }
  if (++wait_ >= o_.patience) return std::string(stop_reason::kEarlyStopping);
  return std::nullopt;
}

void EarlyStopping::on_train_end(TrainerControl& c) {
  // Whatever ended training, leave the model as it was at its best epoch.
  if (o_.restore_best && best_epoch_ != 0 && best_epoch_ != last_epoch_) c.restore(best_weights_);
}

std::optional<std::string> TargetReached::on_epoch_end(const EpochMetrics& m, TrainerControl&) {
  double value = m.get(o_.monitor);
  bool reached = o_.mode == Mode::Max ? value >= o_.value : value <= o_.value;
  if (std::isfinite(value) && reached) return std::string(stop_reason::kTargetReached);
  return std::nullopt;
}

std::optional<std::string> Divergence::on_epoch_end(const EpochMetrics& m, TrainerControl&) {
  double value = m.get(o_.monitor);
  if (!std::isfinite(value)) return std::string(stop_reason::kDiverged);
  if (o_.factor && best_ && value > *o_.factor * *best_) return std::string(stop_reason::kDiverged);
  if (!best_ || value < *best_) best_ = value;
  return std::nullopt;
}

std::optional<std::string> TimeBudget::on_epoch_end(const EpochMetrics& m, TrainerControl&) {
  spent_ += m.seconds;
  if (spent_ >= seconds_) return std::string(stop_reason::kTimeBudget);
  return std::nullopt;
}

}  // namespace tune
