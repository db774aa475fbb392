#include "train/metrics.h"

#include <cmath>
#include <stdexcept>

namespace tune {

double EpochMetrics::get(const std::string& name) const {
  if (name == "train_loss") return train_loss;
  if (name == "train_accuracy") return train_accuracy;
  if (name == "val_loss") return val_loss;
  if (name == "val_accuracy") return val_accuracy;
  throw std::invalid_argument("unknown metric \"" + name + "\"");
}

Json EpochMetrics::to_json() const {
  // JSON has no NaN: a diverged loss is written as null.
  auto number = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  return {{"epoch", epoch},
          {"train_loss", number(train_loss)},
          {"train_accuracy", number(train_accuracy)},
          {"val_loss", number(val_loss)},
          {"val_accuracy", number(val_accuracy)},
          {"seconds", seconds},
          {"samples_per_second", samples_per_second},
          {"lr", lr}};
}

}  // namespace tune
