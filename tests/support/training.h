#pragma once
// A small synthetic classification problem and a trial trained alone on it, for the trainer
// tests (the Trainer's own and the fused group's, which compares against it).
#include "common/hparams.h"
#include "data/load.h"
#include "data/synthetic.h"
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

// Small synthetic images for the cnn tests: 2 channels of 8x8, 4 classes, 300 training
// examples (270 train, 30 validation), 100 test.
inline const Json kSmallImages = {
    {"dataset", "synthetic"}, {"samples", 300}, {"test_samples", 100}, {"features", 128},
    {"shape", {2, 8, 8}},     {"classes", 4},   {"separation", 1.0},   {"seed", 3}};
inline const InputShape kSmallImageShape = {2, 8, 8};

// kSmallData's examples as bytes (each feature scaled to 0..255 and rounded) standing for
// byte / 255, as images read from IDX files are held (Split::divisor); with `as_bytes` false,
// the same features as floats. Either way one per-epoch draw of 200 from the training split.
inline Dataset small_data_of_bytes(bool as_bytes) {
  SyntheticOptions o;
  o.samples = 600;
  o.test_samples = 200;
  o.features = 10;
  o.classes = 4;
  o.separation = 1.5;
  o.seed = 2;
  SyntheticData d = make_synthetic(o);
  auto to_bytes = [&](const torch::Tensor& x) {
    auto lo = d.train.x.min(), hi = d.train.x.max();
    return ((x - lo) / (hi - lo) * 255).round().clamp(0, 255).to(torch::kUInt8);
  };
  auto examples = [&](const Examples& e) {
    auto bytes = to_bytes(e.x);
    return as_bytes ? Examples{bytes, e.y, 255.0f} : Examples{bytes.div(255.0), e.y};
  };
  SplitOptions split;
  split.normalization = Normalization::None;
  split.train_limit = 200;
  split.train_subset_per_epoch = true;
  return make_dataset("bytes", examples(d.train), examples(d.test), o.classes, {o.features}, split);
}

// `config` as one trial alone on examples of `shape` (kSmallData's by default), on `device`:
// built, initialised from its seed, with its optimizer and loop knobs, as the training
// objective does it.
inline Trainer make_trainer(const Json& config, const InputShape& shape = kSmallShape,
                            int64_t classes = kSmallClasses,
                            const torch::Device& device = torch::kCPU) {
  Hyperparameters hp(config, "test");
  auto model = builtin_models().build(hp, shape, classes);
  TrainOptions o = TrainOptions::from(hp);
  initialize_parameters(*model, o.seed);
  model->to(device);
  auto opt = make_optimizer(hp, model->parameters());
  return Trainer(model, std::move(opt), o);
}

}  // namespace tune::testing
