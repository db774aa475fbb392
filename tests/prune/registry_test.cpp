#include <gtest/gtest.h>

#include "common/error.h"
#include "prune/pruner.h"

namespace tune {
namespace {

TEST(PrunerRegistry, ListsEveryPrunerWithNoneFirst) {
  EXPECT_EQ(pruner_names(),
            (std::vector<std::string>{"none", "median", "percentile", "asha", "hyperband"}));
}

TEST(PrunerRegistry, MakesEachPruner) {
  const std::string where = "x.json: pruner";
  EXPECT_EQ(make_pruner("none", {{"name", "none"}}, where), nullptr);
  EXPECT_EQ(make_pruner("none", Json(), where), nullptr);
  for (const std::string& name : pruner_names()) {
    if (name == "none") continue;
    EXPECT_NE(make_pruner(name, {{"name", name}}, where), nullptr) << name;
    EXPECT_NE(make_pruner(name, Json(), where), nullptr) << name;  // no options: defaults
  }
  EXPECT_NE(make_pruner("percentile", {{"percentile", 0}}, where), nullptr);
  EXPECT_NE(make_pruner("percentile", {{"percentile", 100.0}}, where), nullptr);
  EXPECT_NE(
      make_pruner("asha", {{"reduction_factor", 2}, {"min_epochs", 3}, {"max_epochs", 27}}, where),
      nullptr);
}

TEST(PrunerRegistry, BadOptionsNameTheFieldAndWhatIsAllowed) {
  struct Case {
    std::string name;
    Json options;
    std::string message;  // the whole of what() or, when it ends in "...", its start
  };
  const std::string median_keys = "name, startup_trials, warmup_epochs, interval, min_trials";
  const std::string sh_keys = "name, min_epochs, reduction_factor, max_epochs";
  const std::vector<Case> cases = {
      {"lasso",
       {},
       "x.json: pruner.name: unknown pruner \"lasso\"; allowed: none, median, "
       "percentile, asha, hyperband"},
      {"median", Json::array(), "x.json: pruner: expected an object of pruner options, got []"},
      {"none", {{"warmup_epochs", 2}}, "x.json: pruner.warmup_epochs: unknown key; allowed: name"},
      {"median",
       {{"patience", 2}},
       "x.json: pruner.patience: unknown key; allowed: " + median_keys},
      {"median",
       {{"percentile", 30}},
       "x.json: pruner.percentile: unknown key; allowed: " + median_keys},
      {"median",
       {{"startup_trials", -1}},
       "x.json: pruner.startup_trials: must be in [0, 2147483647], got -1"},
      {"median",
       {{"warmup_epochs", -2}},
       "x.json: pruner.warmup_epochs: must be in [0, 2147483647], got -2"},
      {"median", {{"interval", 0}}, "x.json: pruner.interval: must be in [1, 2147483647], got 0"},
      {"median",
       {{"min_trials", 0}},
       "x.json: pruner.min_trials: must be in [1, 2147483647], got 0"},
      {"median", {{"interval", "2"}}, "x.json: pruner.interval: expected an integer, got \"2\""},
      {"percentile",
       {{"percentile", 150}},
       "x.json: pruner.percentile: must be in [0, 100], got 150"},
      {"percentile", {{"percentile", -5}}, "x.json: pruner.percentile: must be in [0, 100]..."},
      {"percentile",
       {{"percentile", "low"}},
       "x.json: pruner.percentile: expected a number, got \"low\""},
      {"percentile",
       {{"quantile", 0.25}},
       "x.json: pruner.quantile: unknown key; allowed: " + median_keys + ", percentile"},
      {"asha",
       {{"reduction_factor", 1}},
       "x.json: pruner.reduction_factor: must be in [2, 2147483647], got 1"},
      {"asha", {{"min_epochs", 0}}, "x.json: pruner.min_epochs: must be in [1, 2147483647], got 0"},
      {"asha", {{"min_epochs", -3}}, "x.json: pruner.min_epochs: must be in [1, 2147483647]..."},
      {"asha", {{"max_epochs", -5}}, "x.json: pruner.max_epochs: must be in [1, 2147483647]..."},
      {"asha", {{"min_epochs", 1.5}}, "x.json: pruner.min_epochs: expected an integer, got 1.5"},
      {"asha", {{"eta", 3}}, "x.json: pruner.eta: unknown key; allowed: " + sh_keys},
      {"hyperband",
       {{"reduction_factor", 1}},
       "x.json: pruner.reduction_factor: must be in [2, 2147483647], got 1"},
      {"hyperband",
       {{"max_epochs", true}},
       "x.json: pruner.max_epochs: expected an integer, got true"},
      {"hyperband", {{"brackets", 3}}, "x.json: pruner.brackets: unknown key; allowed: " + sh_keys},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + " " + c.options.dump());
    try {
      make_pruner(c.name, c.options, "x.json: pruner");
      ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      const size_t dots = c.message.rfind("...");
      if (dots != std::string::npos && dots + 3 == c.message.size())
        EXPECT_EQ(what.substr(0, dots), c.message.substr(0, dots));
      else
        EXPECT_EQ(what, c.message);
    }
  }
}

}  // namespace
}  // namespace tune
