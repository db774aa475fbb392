#include "common/experiment.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace tune {
namespace {

// The ConfigError message `root` gives, or "" when it parses.
std::string error_of(const Json& root) {
  try {
    parse_experiment(root, "x.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Experiment, ReadsTheStudySettings) {
  Experiment e = parse_experiment({{"trials", 12},
                                   {"timeout", 60.5},
                                   {"on_timeout", "stop"},
                                   {"seed", 3},
                                   {"strategy", "bayes"},
                                   {"devices", {{"gpus", "all"}, {"per_device", 4}}}},
                                  "x.json");
  EXPECT_EQ(e.name, "x");
  EXPECT_EQ(e.trials, 12);
  EXPECT_EQ(e.timeout, 60.5);
  EXPECT_EQ(e.on_timeout, "stop");
  EXPECT_EQ(e.seed, 3u);
  EXPECT_EQ(e.strategy, (Json{{"name", "bayes"}}));
  EXPECT_EQ(e.devices.at("per_device"), 4);
  Experiment again = parse_experiment(e.to_json(), "y.json");
  EXPECT_EQ(again.on_timeout, "stop");
  EXPECT_EQ(again.devices, e.devices);
  EXPECT_EQ(parse_experiment(Json::object(), "x.json").on_timeout, "finish");
}

TEST(Experiment, BadSettingsNameTheFileFieldAndWhatIsAllowed) {
  std::string unknown = error_of({{"trails", 3}});
  EXPECT_NE(unknown.find("x.json: trails"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("on_timeout"), std::string::npos) << unknown;  // among the allowed keys
  std::string on_timeout = error_of({{"on_timeout", "later"}});
  EXPECT_NE(on_timeout.find("on_timeout"), std::string::npos) << on_timeout;
  EXPECT_NE(on_timeout.find("finish, stop"), std::string::npos) << on_timeout;
  EXPECT_NE(error_of({{"devices", "0,1"}}).find("x.json: devices"), std::string::npos);
  EXPECT_NE(error_of({{"trials", 0}}).find("trials"), std::string::npos);
  EXPECT_NE(error_of({{"timeout", "soon"}}).find("timeout"), std::string::npos);
}

}  // namespace
}  // namespace tune
