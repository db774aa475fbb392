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

TEST(Hyperparameters, RecordsWhatItIsAskedFor) {
  ParamReads reads;
  Hyperparameters hp(Json{{"layers", 2}});
  hp.record_reads(&reads);
  hp.integer("layers", 1, 0, 16);
  hp.boolean("bn", false);
  hp.choice("act", "relu", {"relu", "tanh"});
  hp.real("lr", 0.1);
  EXPECT_EQ(reads.names, (std::set<std::string>{"layers", "bn", "act", "lr"}));
  EXPECT_EQ(reads.integer_max.at("layers"), 16);
  EXPECT_EQ(reads.booleans, (std::set<std::string>{"bn"}));
  EXPECT_EQ(reads.choices.at("act"), (std::vector<std::string>{"relu", "tanh"}));
}

TEST(Hyperparameters, ErrorsNameTheOriginOfAField) {
  Hyperparameters hp(Json{{"lr", "abc"}, {"units", "x"}}, "x.json: params");
  hp.set_origin("lr", "--set lr");
  try {
    hp.real("lr", 0.1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--set lr: expected a number", 0), 0u) << e.what();
  }
  try {
    hp.integer("units", 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x.json: params.units:", 0), 0u) << e.what();
  }
}

TEST(CheckKeys, NamesTheKeyAndListsNumberedRunsShort) {
  std::vector<std::string> allowed = {"lr", "units", "units_0", "units_1", "units_2", "x_1"};
  EXPECT_EQ(join_names(allowed), "lr, units, units_0..units_2, x_1");
  try {
    check_keys(Json{{"lrr", 1}}, allowed, "--set", " ");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--set lrr: unknown key; allowed: lr, units, units_0..units_2, x_1");
  }
  EXPECT_THROW(check_keys(Json{{"b", 1}}, {"a"}, "f.json: data"), ConfigError);
  EXPECT_NO_THROW(check_keys(Json{{"a", 1}}, {"a"}, "f.json: data"));
}

}  // namespace
}  // namespace tune
