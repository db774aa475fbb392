#pragma once
// One epoch's measurements, as the trainer reports them to callbacks and to the study.
#include <string>
#include <vector>

#include "common/json.h"
#include "common/objective_spec.h"  // metric_names, natural_direction

namespace tune {

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  double train_accuracy = 0;
  double val_loss = 0;
  double val_accuracy = 0;
  double seconds = 0;             // wall time of the epoch, validation included
  double samples_per_second = 0;  // training examples per second of training
  double lr = 0;                  // the optimizer's learning rate in this epoch (lr_schedule)

  // The metric named `name` (one of metric_names()); throws std::invalid_argument otherwise.
  double get(const std::string& name) const;
  Json to_json() const;
};

}  // namespace tune
