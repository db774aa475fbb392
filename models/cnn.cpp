#include <array>
#include <cmath>

#include "models/builders.h"
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

torch::nn::Sequential build_cnn(const Hyperparameters& hp, const InputShape& input_shape,
                                int64_t num_classes) {
  namespace nn = torch::nn;
  const std::array<int64_t, 3> image = image_shape(hp, input_shape);
  int64_t channels = image[0], height = image[1], width = image[2];
  int64_t blocks = hp.integer("blocks", 2, 1, 8);
  int64_t filters = hp.integer("filters", 32, 1, 4096);
  int64_t kernel = hp.integer("kernel_size", 3, 1, 15);
  if (kernel % 2 == 0) hp.fail("kernel_size", "must be odd, got " + std::to_string(kernel));
  std::string pool = hp.choice("pool", "max", {"max", "avg", "none"});
  bool batch_norm = hp.boolean("batch_norm", false);
  std::string activation = hp.choice("activation", "relu", activation_names());
  int64_t dense = hp.integer("dense_units", 128, 0, 65536);
  double dropout = hp.real("dropout", 0.0, 0.0, 0.95);

  nn::Sequential model;
  if (input_shape.size() != 3)
    model->push_back(nn::Unflatten(nn::UnflattenOptions(1, {channels, height, width})));
  for (int64_t i = 0; i < blocks; ++i) {
    int64_t out = hp.integer("filters_" + std::to_string(i), filters, 1, 4096);
    model->push_back(nn::Conv2d(nn::Conv2dOptions(channels, out, kernel).padding(kernel / 2)));
    if (batch_norm) model->push_back(nn::BatchNorm2d(out));
    model->push_back(make_activation(activation));
    if (pool != "none") {
      if (height < 2 || width < 2)
        hp.fail("blocks", std::to_string(blocks) + " pooled blocks shrink the " +
                              std::to_string(image[1]) + "x" + std::to_string(image[2]) +
                              " input below 1x1; use fewer blocks or pool \"none\"");
      if (pool == "max") model->push_back(nn::MaxPool2d(2));
      if (pool == "avg") model->push_back(nn::AvgPool2d(2));
      height /= 2;
      width /= 2;
    }
    channels = out;
  }
  model->push_back(nn::Flatten());
  int64_t in = channels * height * width;
  if (dense > 0) {
    model->push_back(nn::Linear(in, dense));
    model->push_back(make_activation(activation));
    in = dense;
  }
  if (dropout > 0) model->push_back(SeededDropout(dropout));
  model->push_back(nn::Linear(in, num_classes));
  return model;
}

}  // namespace tune
