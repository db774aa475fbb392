// Population-based training from the command line: a study runs to its end, `tune best`
// prints the winner's schedule and `--test` reloads its checkpoint, `tune sample` previews the
// population's first stretches.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "../store/temp_dir.h"
#include "common/json.h"
#include "process.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

Finished run(const TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  args.insert(args.begin(), TUNE_BINARY);
  return Process(args, dir.file("run" + std::to_string(runs++))).wait();
}

std::string write_experiment(const TempDir& dir) {
  const Json e = {{"name", "pbt"},
                  {"data",
                   {{"dataset", "synthetic"},
                    {"samples", 500},
                    {"test_samples", 100},
                    {"features", 6},
                    {"classes", 3},
                    {"separation", 0.8},
                    {"seed", 2}}},
                  {"params",
                   {{"model", "mlp"},
                    {"units", 16},
                    {"optimizer", "adam"},
                    {"batch_size", 32},
                    {"epochs", 6},
                    {"seed", 0}}},
                  {"space",
                   {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 0.1}, {"log", true}}},
                    {"batch_size", {{"type", "pow2"}, {"low", 16}, {"high", 128}}}}},
                  {"strategy", {{"name", "pbt"}, {"population", 4}, {"interval", 2}}},
                  {"objective", {{"monitor", "val_accuracy"}, {"value", "last"}}},
                  {"seed", 1}};
  const std::string path = dir.file("pbt.json");
  std::ofstream(path) << e.dump(2);
  return path;
}

TEST(PbtCli, AStudyRunsToItsEndAndItsBestPrintsItsScheduleAndReloads) {
  TempDir dir;
  const std::string config = write_experiment(dir), study = dir.file("study");
  Finished f = run(dir, {"--config", config, "--study", study, "--cpu-workers", "1"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.err.find("[member 0, epochs 1-2]"), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("[member 3, epochs 5-6"), std::string::npos) << f.err;  // to the end

  Finished best = run(dir, {"best", "--study", study, "--test"});
  ASSERT_EQ(best.code, 0) << best.err;
  const Json out = Json::parse(best.out);
  const Json& schedule = out.at("pbt_schedule");
  ASSERT_GE(schedule.size(), 1u);
  EXPECT_EQ(schedule.front()["epochs"][0], 1);  // from fresh weights to the best stretch
  EXPECT_EQ(schedule.back()["trial"], out["number"]);
  for (size_t i = 1; i < schedule.size(); ++i)
    EXPECT_EQ(schedule[i]["epochs"][0].get<int>(), schedule[i - 1]["epochs"][1].get<int>() + 1);
  EXPECT_EQ(out["test"]["source"], "kept weights");
  EXPECT_NE(best.err.find("checkpoints/trial-" + out["number"].dump() + ".pt"), std::string::npos)
      << best.err;

  Finished sample = run(dir, {"sample", "--config", config, "--strategy", "pbt", "--n", "6"});
  ASSERT_EQ(sample.code, 0) << sample.err;
  EXPECT_EQ(std::count(sample.out.begin(), sample.out.end(), '\n'), 4);
  EXPECT_NE(sample.err.find("offers only 4 configs before the trials it proposed have run"),
            std::string::npos)
      << sample.err;
}

}  // namespace
}  // namespace tune
