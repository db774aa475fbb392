#include <array>
#include <cmath>

#include "models/builders.h"
#include "models/dense.h"
#include "models/dropout.h"

namespace tune {
namespace {

// [C, H, W] from what the dataset gives: images, single-channel images or flat squares.
std::array<int64_t, 3> image_shape(const Hyperparameters& hp, const InputShape& s) {
  if (s.size() == 3) return {s[0], s[1], s[2]};
  if (s.size() == 2) return {1, s[0], s[1]};
  if (s.size() == 1) {
    auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(s[0]))));
    if (side * side == s[0]) return {1, side, side};
  }
  std::string dims;
  for (int64_t d : s) dims += (dims.empty() ? "" : "x") + std::to_string(d);
  hp.fail("model", "cnn needs image input [C, H, W]; this dataset's examples are [" + dims + "]");
}

}  // namespace

std::array<int64_t, 2> CnnSpec::pooled_size() const {
  std::array<int64_t, 2> size = {image[1], image[2]};
  if (pool == "none") return size;
  for (size_t i = 0; i < filters.size(); ++i) size = {size[0] / 2, size[1] / 2};
  return size;
}

CnnSpec cnn_spec(const Hyperparameters& hp, const InputShape& input_shape) {
  CnnSpec spec;
  spec.image = image_shape(hp, input_shape);
  spec.flat_input = input_shape.size() != 3;
  int64_t blocks = hp.integer("blocks", 2, 1, 8);
  int64_t filters = hp.integer("filters", 32, 1, 4096);
  spec.kernel = hp.integer("kernel_size", 3, 1, 15);
  if (spec.kernel % 2 == 0)
    hp.fail("kernel_size", "must be odd, got " + std::to_string(spec.kernel));
  spec.pool = hp.choice("pool", "max", {"max", "avg", "none"});
  spec.batch_norm = hp.boolean("batch_norm", false);
  spec.activation = hp.choice("activation", "relu", activation_names());
  spec.dense = hp.integer("dense_units", 128, 0, 65536);
  spec.dropout = hp.real("dropout", 0.0, 0.0, 0.95);
  int64_t height = spec.image[1], width = spec.image[2];
  for (int64_t i = 0; i < blocks; ++i) {
    spec.filters.push_back(hp.integer("filters_" + std::to_string(i), filters, 1, 4096));
    if (spec.pool == "none") continue;
    if (height < 2 || width < 2)
      hp.fail("blocks", std::to_string(blocks) + " pooled blocks shrink the " +
                            std::to_string(spec.image[1]) + "x" + std::to_string(spec.image[2]) +
                            " input below 1x1; use fewer blocks or pool \"none\"");
    height /= 2;
    width /= 2;
  }
  return spec;
}

torch::nn::Sequential build_cnn_from(const CnnSpec& spec, int64_t num_classes) {
  namespace nn = torch::nn;
  nn::Sequential model;
  if (spec.flat_input)
    model->push_back(
        nn::Unflatten(nn::UnflattenOptions(1, {spec.image[0], spec.image[1], spec.image[2]})));
  int64_t channels = spec.image[0];
  for (int64_t out : spec.filters) {
    model->push_back(
        nn::Conv2d(nn::Conv2dOptions(channels, out, spec.kernel).padding(spec.kernel / 2)));
    if (spec.batch_norm) model->push_back(nn::BatchNorm2d(out));
    model->push_back(make_activation(spec.activation));
    if (spec.pool == "max") model->push_back(nn::MaxPool2d(2));
    if (spec.pool == "avg") model->push_back(nn::AvgPool2d(2));
    channels = out;
  }
  model->push_back(nn::Flatten());
  const std::array<int64_t, 2> size = spec.pooled_size();
  int64_t in = channels * size[0] * size[1];
  if (spec.dense > 0) {
    model->push_back(Dense(in, spec.dense));
    model->push_back(make_activation(spec.activation));
    in = spec.dense;
  }
  if (spec.dropout > 0) model->push_back(SeededDropout(spec.dropout));
  model->push_back(Dense(in, num_classes));
  return model;
}

torch::nn::Sequential build_cnn(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes) {
  return build_cnn_from(cnn_spec(hp, input_shape), num_classes);
}

}  // namespace tune
