#pragma once
// A small synthetic classification problem and a trial trained alone on it, for the trainer
// tests (the Trainer's own and the fused group's, which compares against it).
#include "common/hparams.h"
#include "data/load.h"
#include "models/builders.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace tune::testing {

// 600 training examples (540 train, 60 validation), 200 test, 10 features, 4 classes.
inline const Json kSmallData = {{"dataset", "synthetic"},
                                {"samples", 600},
                                {"test_samples", 200},
                                {"features", 10},
                                {"classes", 4},
                                {"separation", 1.5},
                                {"seed", 2}};
inline const InputShape kSmallShape = {10};
inline constexpr int64_t kSmallClasses = 4;

// `config` as one trial alone on kSmallData's shape: built, initialised from its seed, with
// its optimizer and loop knobs, as the training objective does it.
inline Trainer make_trainer(const Json& config) {
  Hyperparameters hp(config, "test");
  auto model = builtin_models().build(hp, kSmallShape, kSmallClasses);
  TrainOptions o = TrainOptions::from(hp);
  initialize_parameters(*model, o.seed);
  auto opt = make_optimizer(hp, model->parameters());
  return Trainer(model, std::move(opt), o);
}

}  // namespace tune::testing
