#include <gtest/gtest.h>

#include "common/error.h"
#include "models/builders.h"
#include "models/dropout.h"

namespace tune {
namespace {

torch::nn::Sequential build(const Json& config, const InputShape& shape, int64_t classes) {
  return builtin_models().build(Hyperparameters(config, "test"), shape, classes);
}

std::vector<int64_t> output_shape(torch::nn::Sequential& m, const InputShape& shape) {
  std::vector<int64_t> in = {5};
  in.insert(in.end(), shape.begin(), shape.end());
  m->eval();
  return m->forward(torch::randn(in)).sizes().vec();
}

TEST(Mlp, DefaultIsOneHiddenLayerOf128) {
  auto m = build(Json::object(), {1, 28, 28}, 10);
  // 784*128 + 128 + 128*10 + 10
  EXPECT_EQ(count_parameters(*m), 101770);
  EXPECT_EQ(output_shape(m, {1, 28, 28}), (std::vector<int64_t>{5, 10}));
}

TEST(Mlp, PerLayerUnitsWithBatchNormAndDropout) {
  auto m = build({{"model", "mlp"},
                  {"layers", 2},
                  {"units", 999},
                  {"units_0", 64},
                  {"units_1", 32},
                  {"batch_norm", true},
                  {"dropout", 0.5},
                  {"activation", "gelu"}},
                 {20}, 3);
  // (20*64+64) + 2*64 (bn) + (64*32+32) + 2*32 (bn) + (32*3+3)
  EXPECT_EQ(count_parameters(*m), 1344 + 128 + 2080 + 64 + 99);
  EXPECT_EQ(output_shape(m, {20}), (std::vector<int64_t>{5, 3}));
  // Flatten, then per layer Linear, BatchNorm, activation, Dropout; then the output Linear.
  EXPECT_EQ(m->size(), 1u + 2 * 4 + 1);
}

// The types of `m`'s modules in order, without namespace and "Impl" ("Dense", "SeededDropout").
std::vector<std::string> module_names(torch::nn::Sequential m) {
  std::vector<std::string> out;
  for (const auto& child : m->children()) {
    std::string name = child->name();
    name = name.substr(name.rfind("::") + 2);
    out.push_back(name.substr(0, name.size() - std::string("Impl").size()));
  }
  return out;
}

double dropout_p(torch::nn::Sequential m, size_t index) {
  return m[index]->as<SeededDropout>()->p();
}

TEST(Mlp, PerLayerActivationAndDropoutOverrideTheSharedOnes) {
  auto m = build({{"layers", 3},
                  {"units_0", 16},
                  {"units_1", 8},
                  {"units_2", 4},
                  {"activation", "tanh"},
                  {"activation_1", "gelu"},
                  {"dropout", 0.25},
                  {"dropout_0", 0.5},
                  {"dropout_2", 0.0}},
                 {10}, 3);
  // Layer 2 has no dropout module (its p is 0); the others keep theirs.
  EXPECT_EQ(module_names(m),
            (std::vector<std::string>{"Flatten", "Dense", "Tanh", "SeededDropout", "Dense", "GELU",
                                      "SeededDropout", "Dense", "Tanh", "Dense"}));
  EXPECT_DOUBLE_EQ(dropout_p(m, 3), 0.5);
  EXPECT_DOUBLE_EQ(dropout_p(m, 6), 0.25);
  // (10*16+16) + (16*8+8) + (8*4+4) + (4*3+3): activations and dropout add no parameters.
  EXPECT_EQ(count_parameters(*m), 176 + 136 + 36 + 15);
  EXPECT_EQ(m[1]->as<torch::nn::Linear>()->weight.sizes(), (std::vector<int64_t>{16, 10}));
  EXPECT_EQ(m[7]->as<torch::nn::Linear>()->weight.sizes(), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(output_shape(m, {10}), (std::vector<int64_t>{5, 3}));
}

TEST(Mlp, PerLayerKnobsDefaultToTheSharedOnes) {
  auto shared =
      build({{"layers", 2}, {"units", 6}, {"activation", "elu"}, {"dropout", 0.3}}, {4}, 2);
  EXPECT_EQ(module_names(shared),
            (std::vector<std::string>{"Flatten", "Dense", "ELU", "SeededDropout", "Dense", "ELU",
                                      "SeededDropout", "Dense"}));
  EXPECT_DOUBLE_EQ(dropout_p(shared, 3), 0.3);
  EXPECT_DOUBLE_EQ(dropout_p(shared, 6), 0.3);
  // Without any dropout knob no layer gets a dropout module.
  auto plain = build({{"layers", 2}, {"units", 6}}, {4}, 2);
  EXPECT_EQ(module_names(plain),
            (std::vector<std::string>{"Flatten", "Dense", "ReLU", "Dense", "ReLU", "Dense"}));
  // A per-layer dropout alone adds a module to that layer only.
  auto one = build({{"layers", 2}, {"units", 6}, {"dropout_1", 0.2}}, {4}, 2);
  EXPECT_EQ(module_names(one).size(), 7u);
  EXPECT_DOUBLE_EQ(dropout_p(one, 5), 0.2);
}

TEST(Mlp, PerLayerKnobsAreValidated) {
  auto error = [](const Json& config) {
    try {
      build(config, {4}, 2);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string act = error({{"layers", 2}, {"activation_1", "swish"}});
  EXPECT_NE(act.find("test.activation_1: unknown value \"swish\"; allowed: relu"),
            std::string::npos)
      << act;
  std::string drop = error({{"dropout_0", 0.99}});
  EXPECT_NE(drop.find("test.dropout_0: must be in [0, 0.95]"), std::string::npos) << drop;
}

TEST(Mlp, ZeroLayersIsLinear) {
  auto m = build({{"layers", 0}}, {20}, 3);
  EXPECT_EQ(count_parameters(*m), 63);
}

TEST(Mlp, EveryActivationBuilds) {
  for (const auto& a : activation_names()) {
    auto m = build({{"activation", a}, {"units", 4}}, {6}, 2);
    EXPECT_EQ(output_shape(m, {6}), (std::vector<int64_t>{5, 2})) << a;
  }
}

TEST(Cnn, DefaultOnFashionShape) {
  auto m = build({{"model", "cnn"}}, {1, 28, 28}, 10);
  // conv 1->32 (320), conv 32->32 (9248), 7*7*32 -> 128 (200832), 128 -> 10 (1290)
  EXPECT_EQ(count_parameters(*m), 320 + 9248 + 200832 + 1290);
  EXPECT_EQ(output_shape(m, {1, 28, 28}), (std::vector<int64_t>{5, 10}));
}

TEST(Cnn, PerBlockFiltersNoPoolNoDense) {
  auto m = build({{"model", "cnn"},
                  {"filters_0", 8},
                  {"filters_1", 16},
                  {"kernel_size", 5},
                  {"pool", "none"},
                  {"dense_units", 0}},
                 {3, 8, 8}, 4);
  // conv 3->8 k5 (608), conv 8->16 k5 (3216), 16*8*8 -> 4 (4100)
  EXPECT_EQ(count_parameters(*m), 608 + 3216 + 4100);
  EXPECT_EQ(output_shape(m, {3, 8, 8}), (std::vector<int64_t>{5, 4}));
}

TEST(Cnn, FlatSquareInputAvgPoolBatchNorm) {
  auto m = build({{"model", "cnn"},
                  {"blocks", 1},
                  {"filters", 4},
                  {"pool", "avg"},
                  {"batch_norm", true},
                  {"dense_units", 16}},
                 {784}, 10);
  // conv 1->4 (40), bn (8), 4*14*14 -> 16 (12560), 16 -> 10 (170)
  EXPECT_EQ(count_parameters(*m), 40 + 8 + 12560 + 170);
  EXPECT_EQ(output_shape(m, {784}), (std::vector<int64_t>{5, 10}));
}

void expect_config_error(const Json& config, const InputShape& shape, const std::string& field) {
  try {
    build(config, shape, 10);
    FAIL() << config.dump();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("test." + field), std::string::npos) << e.what();
  }
}

TEST(Builders, RejectBadKnobs) {
  expect_config_error({{"model", "transformer"}}, {4}, "model");
  expect_config_error({{"activation", "swish"}}, {4}, "activation");
  expect_config_error({{"layers", 17}}, {4}, "layers");
  expect_config_error({{"units", 0}}, {4}, "units");
  expect_config_error({{"units_1", "wide"}, {"layers", 2}}, {4}, "units_1");
  expect_config_error({{"dropout", 1.0}}, {4}, "dropout");
  expect_config_error({{"batch_norm", "yes"}}, {4}, "batch_norm");
  expect_config_error({{"model", "cnn"}, {"kernel_size", 4}}, {1, 8, 8}, "kernel_size");
  expect_config_error({{"model", "cnn"}, {"pool", "median"}}, {1, 8, 8}, "pool");
  expect_config_error({{"model", "cnn"}, {"blocks", 5}}, {1, 8, 8}, "blocks");
  expect_config_error({{"model", "cnn"}}, {7}, "model");
}

TEST(Registry, UserBuildersAreFoundByName) {
  ModelRegistry r = builtin_models();
  r.add("linear", [](const Hyperparameters&, const InputShape& s, int64_t k) {
    return torch::nn::Sequential(torch::nn::Linear(s.at(0), k));
  });
  EXPECT_EQ(r.names(), (std::vector<std::string>{"cnn", "linear", "mlp"}));
  auto m = r.build(Hyperparameters({{"model", "linear"}}, "test"), {3}, 2);
  EXPECT_EQ(count_parameters(*m), 8);
}

}  // namespace
}  // namespace tune
