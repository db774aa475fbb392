#include "models/builders.h"
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

torch::nn::Sequential build_mlp(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes) {
  namespace nn = torch::nn;
  int64_t layers = hp.integer("layers", 1, 0, 16);
  int64_t units = hp.integer("units", 128, 1, 65536);
  std::string activation = hp.choice("activation", "relu", activation_names());
  double dropout = hp.real("dropout", 0.0, 0.0, 0.95);
  bool batch_norm = hp.boolean("batch_norm", false);

  nn::Sequential model;
  model->push_back(nn::Flatten());
  int64_t in = flat_size(hp, input_shape);
  // Each layer's own knob (units_<i>, activation_<i>, dropout_<i>) defaults to the shared one.
  for (int64_t i = 0; i < layers; ++i) {
    const std::string layer = std::to_string(i);
    int64_t out = hp.integer("units_" + layer, units, 1, 65536);
    std::string layer_activation = hp.choice("activation_" + layer, activation, activation_names());
    double layer_dropout = hp.real("dropout_" + layer, dropout, 0.0, 0.95);
    model->push_back(nn::Linear(in, out));
    if (batch_norm) model->push_back(nn::BatchNorm1d(out));
    model->push_back(make_activation(layer_activation));
    if (layer_dropout > 0) model->push_back(SeededDropout(layer_dropout));
    in = out;
  }
  model->push_back(nn::Linear(in, num_classes));
  return model;
}

}  // namespace tune
