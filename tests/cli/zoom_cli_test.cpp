// tune zoom end to end: a study run by the binary, zoomed, and the new file sampled and run;
// bad input exits 2 with one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "../support/spaces.h"
#include "../support/studies.h"
#include "common/json.h"
#include "process.h"
#include "space/space.h"

namespace tune {
namespace {

using testing::Finished;
using testing::TempDir;

// A fast command objective over four kinds of parameters, minimised near x = 1, n = 3, "b".
Json mixed_experiment() {
  std::string code =
      "import sys; x, lr, n, c = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), "
      "sys.argv[4]; print((x - 1) ** 2 + abs(n - 3) + (0 if c == 'b' else 2) + lr)";
  return {{"name", "mixed"},
          {"space",
           {{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}},
            {"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1.0}, {"log", true}}},
            {"n", {{"type", "int"}, {"low", 0}, {"high", 10}}},
            {"c", {{"type", "categorical"}, {"choices", {"a", "b", "c"}}}}}},
          {"objective",
           {{"command", {"python3", "-c", code, "{x}", "{lr}", "{n}", "{c}"}},
            {"direction", "minimize"}}},
          {"params", {{"fixed", 7}}},
          {"strategy", {{"name", "random"}}},
          {"seed", 4}};
}

Finished run_tune(const TempDir& dir, const std::vector<std::string>& args) {
  return testing::run_tune_binary(args, dir.file("zoom_run"));
}

size_t lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(ZoomCli, NarrowsARunStudyIntoAFileThatSamplesAndRuns) {
  TempDir dir;
  std::ofstream(dir.file("mixed.json")) << mixed_experiment().dump(2);
  Finished run = run_tune(
      dir, {"--config", dir.file("mixed.json"), "--trials", "12", "--study", dir.file("s")});
  ASSERT_EQ(run.code, 0) << run.err;
  Finished zoom = run_tune(
      dir, {"zoom", "--study", dir.file("s"), "--top", "3", "--output", dir.file("new.json")});
  ASSERT_EQ(zoom.code, 0) << zoom.err;
  EXPECT_NE(zoom.err.find("best 3 trials"), std::string::npos) << zoom.err;
  EXPECT_NE(zoom.err.find("x: a number in [-4.0, 4.0] -> a number in ["), std::string::npos)
      << zoom.err;
  Json zoomed = Json::parse(testing::file_bytes(dir.file("new.json")));
  EXPECT_EQ(zoomed["name"], "mixed-zoom");
  EXPECT_EQ(zoomed["params"], mixed_experiment()["params"]);
  EXPECT_EQ(zoomed["objective"], mixed_experiment()["objective"]);
  Space space = Space::from_json(zoomed["space"], "new.json");
  EXPECT_LE(space.find("c")->choices.size(), 3u);
  EXPECT_TRUE(zoomed["space"]["lr"]["log"].get<bool>());

  Finished sample = run_tune(dir, {"sample", "--config", dir.file("new.json"), "--n", "5"});
  ASSERT_EQ(sample.code, 0) << sample.err;
  EXPECT_EQ(lines(sample.out), 5u) << sample.out;
  Finished again =
      run_tune(dir, {"--config", dir.file("new.json"), "--trials", "2", "--study", dir.file("s2")});
  EXPECT_EQ(again.code, 0) << again.err;
}

// The one-line error of a zoom that exits 2.
std::string zoom_error(const TempDir& dir, const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"zoom"};
  args.insert(args.end(), flags.begin(), flags.end());
  Finished f = run_tune(dir, args);
  EXPECT_EQ(f.code, 2) << f.err;
  EXPECT_EQ(lines(f.err), 1u) << f.err;
  return f.err;
}

TEST(ZoomCli, BadInputExitsTwo) {
  TempDir dir;
  testing::small_study(dir.file("one"), 1);
  testing::small_study(dir.file("many"), 5);
  const std::string out = dir.file("out.json");
  EXPECT_NE(zoom_error(dir, {"--study", dir.file("many")}).find("--output"), std::string::npos);
  EXPECT_NE(zoom_error(dir, {"--output", out}).find("--study"), std::string::npos);
  EXPECT_NE(zoom_error(dir, {"--study", dir.file("one"), "--output", out})
                .find("at least 2 complete trials, the study has 1"),
            std::string::npos);
  EXPECT_NE(zoom_error(dir, {"--study", dir.file("none"), "--output", out}).find("no study"),
            std::string::npos);
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--top", "0"},
                                              {"--quantile", "1.5"},
                                              {"--margin", "-1"},
                                              {"--top", "2", "--quantile", "0.5"},
                                              {"--top", "many"}}) {
    std::vector<std::string> flags = {"--study", dir.file("many"), "--output", out};
    flags.insert(flags.end(), bad.begin(), bad.end());
    zoom_error(dir, flags);
  }
  std::ofstream(dir.file("exists.json")) << "{}";
  EXPECT_NE(zoom_error(dir, {"--study", dir.file("many"), "--output", dir.file("exists.json")})
                .find("exists"),
            std::string::npos);
  EXPECT_EQ(testing::file_bytes(dir.file("exists.json")), "{}");
  {
    auto storage = open_study_dir(dir.file("bare"));
    testing::add_complete_trial(*storage, 0, 1.0, 1.0);
    testing::add_complete_trial(*storage, 1, 2.0, 2.0);
  }
  EXPECT_NE(
      zoom_error(dir, {"--study", dir.file("bare"), "--output", out}).find("no stored experiment"),
      std::string::npos);
}

TEST(ZoomCli, ZoomsAStudyBuiltThroughStorage) {
  TempDir dir;
  testing::small_study(dir.file("s"), 5);  // trial i: x = i / 2, value (i - 1)^2
  Finished f = run_tune(dir, {"zoom", "--study", dir.file("s"), "--top", "3", "--margin", "0",
                              "--output", dir.file("z.json")});
  ASSERT_EQ(f.code, 0) << f.err;
  Json zoomed = Json::parse(testing::file_bytes(dir.file("z.json")));
  EXPECT_EQ(zoomed["name"], "quadratic-zoom");
  // The best three: x = 0.5 (value 0), then x = 0 and x = 1 (value 1).
  EXPECT_DOUBLE_EQ(zoomed["space"]["x"]["low"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(zoomed["space"]["x"]["high"].get<double>(), 1.0);
}

// Claims trial `number` with `params` and completes it with `value`.
void add_trial(Storage& storage, int number, const Json& params, double value) {
  ClaimRequest request;
  request.number = number;
  request.params = params;
  request.device = "cpu";
  request.worker = "test";
  ASSERT_EQ(storage.claim(request).status, ClaimStatus::Claimed);
  storage.finish(number, TrialState::Complete, value, "");
}

TEST(ZoomCli, ConditionsStayLoadableWhenTheirParentShrinks) {
  TempDir dir;
  Json space = testing::optimizer_space();
  space["batch"] = {{"type", "pow2"}, {"low", 8}, {"high", 512}};
  space["units"] = {{"type", "int"}, {"low", 16}, {"high", 256}, {"step", 16}};
  {
    auto storage = open_study_dir(dir.file("s"));
    storage->set_attr(kDirectionAttr, "maximize");
    storage->set_attr(kExperimentAttr, {{"name", "cond"}, {"space", space}});
    add_trial(*storage, 0, {{"optimizer", "sgd"}, {"momentum", 0.9}, {"batch", 32}, {"units", 64}},
              0.9);
    add_trial(*storage, 1, {{"optimizer", "sgd"}, {"momentum", 0.8}, {"batch", 64}, {"units", 96}},
              0.8);
    add_trial(*storage, 2, {{"optimizer", "adam"}, {"beta", 0.5}, {"batch", 8}, {"units", 16}},
              0.1);
  }
  Finished f = run_tune(dir, {"zoom", "--study", dir.file("s"), "--output", dir.file("z.json")});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.err.find("beta: a number in [0.0, 1.0] -> dropped"), std::string::npos) << f.err;
  Json z = Json::parse(testing::file_bytes(dir.file("z.json")))["space"];
  EXPECT_EQ(z["optimizer"]["choices"], Json({"sgd"}));
  EXPECT_EQ(z["momentum"]["when"], Json({{"optimizer", {"sgd"}}}));
  EXPECT_FALSE(z.contains("beta"));
  EXPECT_EQ(z["batch"]["low"], 16);  // [32, 64] widened by 0.1 of an octave, outward
  EXPECT_EQ(z["batch"]["high"], 128);
  EXPECT_EQ(z["units"]["low"], 48);  // [60.8, 99.2] out to the grid 16, 32, ...
  EXPECT_EQ(z["units"]["high"], 112);
  Finished sample = run_tune(dir, {"sample", "--config", dir.file("z.json"), "--n", "5"});
  ASSERT_EQ(sample.code, 0) << sample.err;
  EXPECT_EQ(lines(sample.out), 5u) << sample.out;
}

}  // namespace
}  // namespace tune
