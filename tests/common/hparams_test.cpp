#include "common/hparams.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace tune {
namespace {

TEST(Hyperparameters, ReadsValuesAndDefaults) {
  Hyperparameters hp(Json{{"layers", 3}, {"lr", 0.01}, {"act", "tanh"}, {"bn", true}});
  EXPECT_EQ(hp.integer("layers", 1), 3);
  EXPECT_EQ(hp.integer("missing", 7), 7);
  EXPECT_DOUBLE_EQ(hp.real("lr", 0.1), 0.01);
  EXPECT_EQ(hp.choice("act", "relu", {"relu", "tanh"}), "tanh");
  EXPECT_TRUE(hp.boolean("bn", false));
}

TEST(Hyperparameters, ErrorsNameSourceAndField) {
  Hyperparameters hp(Json{{"layers", "two"}, {"act", "swish"}, {"units", 0}}, "x.json: params");
  try {
    hp.integer("layers", 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("x.json: params.layers"), std::string::npos);
  }
  try {
    hp.choice("act", "relu", {"relu", "tanh"});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: relu, tanh"), std::string::npos);
  }
  EXPECT_THROW(hp.integer("units", 1, 1, 4096), ConfigError);
}

}  // namespace
}  // namespace tune
