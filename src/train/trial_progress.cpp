#include "train/trial_progress.h"

#include <cmath>

namespace tune {
namespace {

bool better_value(double a, double b, Mode mode) {
  return mode == Mode::Min ? a < b : a > b;
}

}  // namespace

Json TrainResult::to_json() const {
  Json h = Json::array();
  for (const auto& m : history) h.push_back(m.to_json());
  Json j = {{"history", h},
            {"stop_reason", stop_reason},
            {"monitor", monitor},
            {"best_epoch", best_epoch},
            {"best_value", std::isfinite(best_value) ? Json(best_value) : Json(nullptr)}};
  if (threads) j["threads"] = *threads;
  if (test) {
    j["test_loss"] = std::isfinite(test->loss) ? Json(test->loss) : Json(nullptr);
    j["test_accuracy"] = test->accuracy;
  }
  return j;
}

TrialProgress::TrialProgress(int epochs, std::string monitor, Mode mode, TrialHooks& hooks,
                             TrainerControl control)
    : epochs_(epochs), mode_(mode), hooks_(hooks), control_(std::move(control)) {
  result_.monitor = std::move(monitor);
}

void TrialProgress::begin() {
  for (auto& c : hooks_.callbacks) c->on_train_begin(control_);
}

void TrialProgress::interrupt() {
  result_.stop_reason = stop_reason::kStopped;
}

void TrialProgress::end_epoch(const EpochMetrics& m) {
  epoch_ = m.epoch;
  result_.history.push_back(m);
  double value = m.get(result_.monitor);
  if (std::isfinite(value) &&
      (result_.best_epoch == 0 || better_value(value, result_.best_value, mode_))) {
    result_.best_epoch = m.epoch;
    result_.best_value = value;
  }
  for (auto& c : hooks_.callbacks) {
    auto reason = c->on_epoch_end(m, control_);
    if (reason && result_.stop_reason.empty()) result_.stop_reason = *reason;
  }
  if (!std::isfinite(m.train_loss)) result_.stop_reason = stop_reason::kDiverged;
  if (hooks_.on_epoch) hooks_.on_epoch(m);
  if (result_.stop_reason.empty() && stop_requested()) result_.stop_reason = stop_reason::kStopped;
}

TrainResult TrialProgress::finish() {
  if (result_.stop_reason.empty()) result_.stop_reason = stop_reason::kMaxEpochs;
  for (auto& c : hooks_.callbacks) c->on_train_end(control_);
  return result_;
}

}  // namespace tune
