// configs/fashion_cnn.json and configs/fashion_mlp_published.json parse, and the models their
// params and first sampled trials describe build for Fashion-MNIST's [1, 28, 28] images and give 10
// logits.
#include <gtest/gtest.h>

#include <random>

#include "common/experiment.h"
#include "models/builders.h"
#include "space/space.h"

namespace tune {
namespace {

std::vector<int64_t> logits_shape(const Experiment& e, const Config& config) {
  auto model = builtin_models().build(Hyperparameters(config, e.where("params")), {1, 28, 28}, 10);
  model->eval();
  torch::NoGradGuard no_grad;
  return model->forward(torch::randn({2, 1, 28, 28})).sizes().vec();
}

TEST(ShippedConfigs, FashionCnnParsesAndItsTrialsBuild) {
  Experiment e = load_experiment(std::string(TUNE_SOURCE_DIR) + "/configs/fashion_cnn.json");
  EXPECT_EQ(e.params.at("model"), "cnn");
  EXPECT_EQ(e.data.at("dataset"), "fashion-mnist");
  EXPECT_EQ(e.strategy.at("name"), "bayes");
  EXPECT_EQ(e.timeout, 600.0);
  Space space = Space::from_json(e.space, e.where("space"));
  for (const char* knob : {"filters_0", "kernel_size", "dropout", "lr", "batch_size"})
    EXPECT_TRUE(e.space.contains(knob)) << knob;
  EXPECT_EQ(logits_shape(e, e.trial_config(Json::object())), (std::vector<int64_t>{2, 10}));
  std::mt19937_64 rng(0);
  int three_blocks = 0;
  for (int i = 0; i < 12; ++i) {
    Config sampled = space.sample(rng);
    Config config = e.trial_config(sampled);
    EXPECT_EQ(logits_shape(e, config), (std::vector<int64_t>{2, 10})) << sampled.dump();
    const int kernel = sampled.at("kernel_size").get<int>();
    EXPECT_TRUE(kernel == 3 || kernel == 5) << sampled.dump();
    EXPECT_EQ(sampled.contains("filters_2"), sampled.at("blocks") == 3) << sampled.dump();
    three_blocks += sampled.at("blocks") == 3;
  }
  EXPECT_GT(three_blocks, 0) << "the conditional third block is sampled too";
}

TEST(ShippedConfigs, FashionMlpPublishedParsesAndItsTrialsBuild) {
  Experiment e =
      load_experiment(std::string(TUNE_SOURCE_DIR) + "/configs/fashion_mlp_published.json");
  EXPECT_EQ(e.params.at("model"), "mlp");
  EXPECT_EQ(e.strategy.at("name"), "bayes");
  EXPECT_EQ(e.timeout, 1800.0);
  Space space = Space::from_json(e.space, e.where("space"));
  EXPECT_EQ(logits_shape(e, e.trial_config(Json::object())), (std::vector<int64_t>{2, 10}));
  std::mt19937_64 rng(0);
  for (int i = 0; i < 12; ++i) {
    Config sampled = space.sample(rng);
    EXPECT_EQ(logits_shape(e, e.trial_config(sampled)), (std::vector<int64_t>{2, 10}))
        << sampled.dump();
    EXPECT_EQ(sampled.contains("units_2"), sampled.at("layers") == 3) << sampled.dump();
  }
}

}  // namespace
}  // namespace tune
