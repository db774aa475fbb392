#include "models/builders.h"
#include "models/dense.h"
#include "models/dropout.h"

namespace tune {
namespace {

int64_t flat_size(const Hyperparameters& hp, const InputShape& shape) {
  if (shape.empty()) hp.fail("model", "mlp needs a non-empty input shape");
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

MlpSpec mlp_spec(const Hyperparameters& hp, const InputShape& input_shape) {
  MlpSpec spec;
  int64_t layers = hp.integer("layers", 1, 0, 16);
  int64_t units = hp.integer("units", 128, 1, 65536);
  const std::string activation = hp.choice("activation", "relu", activation_names());
  const double dropout = hp.real("dropout", 0.0, 0.0, 0.95);
  spec.batch_norm = hp.boolean("batch_norm", false);
  spec.inputs = flat_size(hp, input_shape);
  // Each layer's own knob (units_<i>, activation_<i>, dropout_<i>) defaults to the shared one.
  for (int64_t i = 0; i < layers; ++i) {
    const std::string layer = std::to_string(i);
    spec.units.push_back(hp.integer("units_" + layer, units, 1, 65536));
    spec.activations.push_back(hp.choice("activation_" + layer, activation, activation_names()));
    spec.dropouts.push_back(hp.real("dropout_" + layer, dropout, 0.0, 0.95));
  }
  return spec;
}

torch::nn::Sequential build_mlp_from(const MlpSpec& spec, int64_t num_classes) {
  namespace nn = torch::nn;
  nn::Sequential model;
  model->push_back(nn::Flatten());
  int64_t in = spec.inputs;
  for (size_t i = 0; i < spec.units.size(); ++i) {
    const int64_t out = spec.units[i];
    model->push_back(Dense(in, out));
    if (spec.batch_norm) model->push_back(nn::BatchNorm1d(out));
    model->push_back(make_activation(spec.activations[i]));
    if (spec.dropouts[i] > 0) model->push_back(SeededDropout(spec.dropouts[i]));
    in = out;
  }
  model->push_back(Dense(in, num_classes));
  return model;
}

torch::nn::Sequential build_mlp(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes) {
  return build_mlp_from(mlp_spec(hp, input_shape), num_classes);
}

}  // namespace tune
