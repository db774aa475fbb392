// Every rule of a space declaration: valid spaces parse in dependency order; each invalid one is
// a ConfigError that names the parameter and the rule.
#include <gtest/gtest.h>

#include "common/error.h"
#include "space/space.h"

namespace tune {
namespace {

Json demo_space() {
  return Json::parse(R"({
    "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": true},
    "units": {"type": "int", "low": 32, "high": 512, "step": 32},
    "batch_size": {"type": "pow2", "low": 32, "high": 512},
    "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]},
    "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": "sgd"}},
    "layers": {"type": "int", "low": 1, "high": 3},
    "units_2": {"type": "int", "low": 16, "high": 256, "when": {"layers": {">=": 3}}}
  })");
}

size_t position(const Space& s, const std::string& name) {
  for (size_t i = 0; i < s.params().size(); ++i)
    if (s.params()[i].name == name) return i;
  return SIZE_MAX;
}

TEST(SpaceParse, ReadsEveryTypeAndOrdersParentsFirst) {
  Space s = Space::from_json(demo_space(), "x.json: space");
  ASSERT_EQ(s.params().size(), 7u);
  EXPECT_LT(position(s, "optimizer"), position(s, "momentum"));
  EXPECT_LT(position(s, "layers"), position(s, "units_2"));
  const Param* lr = s.find("lr");
  ASSERT_NE(lr, nullptr);
  EXPECT_EQ(lr->kind, ParamKind::Float);
  EXPECT_TRUE(lr->log);
  EXPECT_TRUE(s.find("batch_size")->pow2);
  EXPECT_EQ(s.find("batch_size")->kind, ParamKind::Int);
  EXPECT_EQ(*s.find("units")->step, 32);
  EXPECT_EQ(s.find("momentum")->when->parent, "optimizer");
  EXPECT_EQ(s.find("units_2")->when->op, ">=");
  EXPECT_EQ(s.find("nothing"), nullptr);
}

TEST(SpaceParse, ChainOfConditionsIsOrdered) {
  // Names sort the other way round, so the order must come from the conditions.
  Json space = Json::parse(R"({
    "a": {"type": "categorical", "choices": [1, 2], "when": {"b": "on"}},
    "b": {"type": "categorical", "choices": ["on", "off"], "when": {"c": {"<": 5}}},
    "c": {"type": "int", "low": 0, "high": 9}
  })");
  Space s = Space::from_json(space, "space");
  EXPECT_EQ(s.params()[0].name, "c");
  EXPECT_EQ(s.params()[1].name, "b");
  EXPECT_EQ(s.params()[2].name, "a");
}

TEST(SpaceParse, ConditionForms) {
  Json space = Json::parse(R"({
    "opt": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
    "m": {"type": "float", "low": 0, "high": 1, "when": {"opt": ["sgd", "rmsprop"]}},
    "b": {"type": "float", "low": 0, "high": 1, "when": {"opt": {"!=": "adam"}}},
    "c": {"type": "float", "low": 0, "high": 1, "when": {"opt": {"in": ["adam"]}}}
  })");
  Space s = Space::from_json(space, "space");
  const Param& m = *s.find("m");
  EXPECT_TRUE(m.when->holds("sgd"));
  EXPECT_TRUE(m.when->holds("rmsprop"));
  EXPECT_FALSE(m.when->holds("adam"));
  EXPECT_FALSE(m.when->holds(Json()));
  EXPECT_TRUE(s.find("b")->when->holds("sgd"));
  EXPECT_FALSE(s.find("b")->when->holds("adam"));
  EXPECT_TRUE(s.find("c")->when->holds("adam"));
  EXPECT_TRUE(s.is_active(m, Json{{"opt", "sgd"}}));
  EXPECT_FALSE(s.is_active(m, Json{{"opt", "adam"}}));
  EXPECT_FALSE(s.is_active(m, Json::object()));
}

TEST(SpaceParse, EmptyOrNullSpace) {
  EXPECT_TRUE(Space::from_json(Json::object(), "space").empty());
  EXPECT_TRUE(Space::from_json(Json(), "space").empty());
  EXPECT_THROW(Space::from_json(Json::array(), "space"), ConfigError);
}

// The parameter `name` of `space` is invalid: the error names it and says `fragment`.
void expect_invalid(const std::string& space_text, const std::string& name,
                    const std::string& fragment) {
  try {
    Space::from_json(Json::parse(space_text), "cfg.json: space");
    FAIL() << "accepted: " << space_text;
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cfg.json: space." + name), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(SpaceParse, LowAboveHigh) {
  expect_invalid(R"({"x": {"type": "float", "low": 2, "high": 1}})", "x", "greater than high");
  expect_invalid(R"({"n": {"type": "int", "low": 9, "high": 1}})", "n", "greater than high");
}

TEST(SpaceParse, LogNeedsPositiveLow) {
  expect_invalid(R"({"lr": {"type": "float", "low": 0, "high": 1, "log": true}})", "lr", "low > 0");
  expect_invalid(R"({"n": {"type": "int", "low": -1, "high": 8, "log": true}})", "n", "low > 0");
}

TEST(SpaceParse, BadSteps) {
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "step": 0}})", "x",
                 "step must be > 0");
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "step": -0.5}})", "x",
                 "step must be > 0");
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "step": 0.3}})", "x",
                 "does not divide");
  expect_invalid(R"({"n": {"type": "int", "low": 0, "high": 10, "step": 3}})", "n",
                 "does not divide");
  expect_invalid(R"({"n": {"type": "int", "low": 0, "high": 10, "step": 2.5}})", "n",
                 "whole number");
  expect_invalid(R"({"x": {"type": "float", "low": 1, "high": 9, "step": 1, "log": true}})", "x",
                 "cannot be combined with log");
}

TEST(SpaceParse, IntBoundsMustBeWhole) {
  expect_invalid(R"({"n": {"type": "int", "low": 0.5, "high": 3}})", "n", "whole numbers");
}

TEST(SpaceParse, MissingOrNonNumericBounds) {
  expect_invalid(R"({"x": {"type": "float", "high": 1}})", "x", "missing \"low\"");
  expect_invalid(R"({"x": {"type": "float", "low": "0", "high": 1}})", "x", "must be a number");
}

TEST(SpaceParse, Categoricals) {
  expect_invalid(R"({"opt": {"type": "categorical", "choices": []}})", "opt", "non-empty");
  expect_invalid(R"({"opt": {"type": "categorical"}})", "opt", "non-empty");
  expect_invalid(R"({"opt": {"type": "categorical", "choices": ["a", "a"]}})", "opt", "twice");
}

TEST(SpaceParse, UnknownTypeListsAllowedOnes) {
  expect_invalid(R"({"x": {"type": "double", "low": 0, "high": 1}})", "x",
                 "allowed: int, float, pow2, categorical");
  expect_invalid(R"({"x": {"low": 0, "high": 1}})", "x", "missing \"type\"");
  expect_invalid(R"({"x": 3})", "x", "expected an object");
}

TEST(SpaceParse, UnknownKeys) {
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "lgo": true}})", "x",
                 "unknown key \"lgo\"");
  expect_invalid(R"({"b": {"type": "pow2", "low": 2, "high": 8, "step": 2}})", "b",
                 "unknown key \"step\"");
  expect_invalid(R"({"c": {"type": "categorical", "choices": [1], "low": 0}})", "c",
                 "unknown key \"low\"");
}

TEST(SpaceParse, ConditionOnUnknownParameter) {
  expect_invalid(R"({"m": {"type": "float", "low": 0, "high": 1, "when": {"optimizer": "sgd"}}})",
                 "m.when", "unknown parameter \"optimizer\"");
}

TEST(SpaceParse, ConditionCycles) {
  expect_invalid(R"({"a": {"type": "categorical", "choices": [1, 2], "when": {"b": 1}},
                     "b": {"type": "categorical", "choices": [1, 2], "when": {"a": 1}}})",
                 "a", "cycle");
  expect_invalid(R"({"a": {"type": "categorical", "choices": [1, 2], "when": {"a": 1}}})", "a",
                 "cycle");
}

TEST(SpaceParse, ConditionValueOutsideParentDomain) {
  const std::string parent = R"("opt": {"type": "categorical", "choices": ["adam", "sgd"]},)";
  expect_invalid(
      "{" + parent + R"("m": {"type": "float", "low": 0, "high": 1, "when": {"opt": "sdg"}}})",
      "m.when", "not a value of \"opt\"");
  expect_invalid(
      "{" + parent + R"("m": {"type": "float", "low": 0, "high": 1, "when": {"opt": ["sgd", 3]}}})",
      "m.when", "not a value of \"opt\"");
  expect_invalid(R"({"layers": {"type": "int", "low": 1, "high": 3},
                     "u": {"type": "int", "low": 1, "high": 3, "when": {"layers": 7}}})",
                 "u.when", "not a value of \"layers\"");
  expect_invalid(R"({"layers": {"type": "int", "low": 1, "high": 3},
                     "u": {"type": "int", "low": 1, "high": 3, "when": {"layers": {">": 3}}}})",
                 "u.when", "never holds");
  expect_invalid(
      "{" + parent + R"("m": {"type": "float", "low": 0, "high": 1, "when": {"opt": {">=": 1}}}})",
      "m.when", "numeric parent");
  expect_invalid(R"({"layers": {"type": "int", "low": 1, "high": 3},
                     "u": {"type": "int", "low": 1, "high": 3, "when": {"layers": {"~": 1}}}})",
                 "u.when", "one operator");
  expect_invalid(R"({"layers": {"type": "int", "low": 1, "high": 3},
                     "u": {"type": "int", "low": 1, "high": 3, "when": {"layers": 1, "x": 2}}})",
                 "u.when", "exactly one parent");
}

TEST(SpaceParse, Pow2BoundsMustBePowersOfTwo) {
  expect_invalid(R"({"batch": {"type": "pow2", "low": 24, "high": 512}})", "batch",
                 "powers of two");
  expect_invalid(R"({"batch": {"type": "pow2", "low": 16, "high": 500}})", "batch",
                 "powers of two");
  expect_invalid(R"({"batch": {"type": "pow2", "low": 0, "high": 8}})", "batch", "powers of two");
}

TEST(SpaceParse, GridOptionsOfFloats) {
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "grid_points": 1}})", "x",
                 "grid_points");
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "values": [0.5, 2]}})", "x",
                 "grid value 2");
  expect_invalid(R"({"x": {"type": "float", "values": []}})", "x", "non-empty list");
  expect_invalid(R"({"x": {"type": "float", "values": [0.1, 0.1]}})", "x", "twice");
  expect_invalid(
      R"({"x": {"type": "float", "low": 0, "high": 1, "values": [0.5], "grid_points": 3}})", "x",
      "cannot be combined");
  expect_invalid(R"({"x": {"type": "float", "low": 0, "high": 1, "values": [0.5], "step": 0.5}})",
                 "x", "cannot be combined");
  // Bounds default to the values' range.
  Space s = Space::from_json(Json::parse(R"({"x": {"type": "float", "values": [0.3, 0.1]}})"), "s");
  EXPECT_DOUBLE_EQ(s.find("x")->low, 0.1);
  EXPECT_DOUBLE_EQ(s.find("x")->high, 0.3);
}

}  // namespace
}  // namespace tune
