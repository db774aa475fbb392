// tune run --warm-start end to end: an old study's trials inside the new space seed a new
// study as complete trials, are not run again and do not spend its --trials; a target that
// has trials and a missing old study exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "../support/studies.h"
#include "common/json.h"
#include "process.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::Finished;
using testing::TempDir;

// abs(n - 3) over n in [low, high], two reported epochs; each run appends a line to `runs`.
Json counting_experiment(const std::string& runs, int low, int high, const std::string& strategy) {
  std::string code =
      "import sys; n = int(sys.argv[1]); open(sys.argv[2], 'a').write('run\\n'); "
      "print('tune:report 1', abs(n - 3) + 1); print('tune:report 2', abs(n - 3)); "
      "print(abs(n - 3))";
  return {
      {"name", "count"},
      {"space", {{"n", {{"type", "int"}, {"low", low}, {"high", high}}}}},
      {"objective", {{"command", {"python3", "-c", code, "{n}", runs}}, {"direction", "minimize"}}},
      {"strategy", {{"name", strategy}}},
      {"seed", 3}};
}

Finished run_tune(const TempDir& dir, const std::vector<std::string>& args) {
  return testing::run_tune_binary(args, dir.file("warm_run"));
}

size_t runs_so_far(const TempDir& dir) {
  std::string text = testing::file_bytes(dir.file("runs"));
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The old study: the grid over n in [0, 10], each value once.
void run_old_study(const TempDir& dir) {
  std::ofstream(dir.file("old.json")) << counting_experiment(dir.file("runs"), 0, 10, "grid");
  Finished old = run_tune(dir, {"--config", dir.file("old.json"), "--study", dir.file("old")});
  ASSERT_EQ(old.code, 0) << old.err;
  ASSERT_EQ(runs_so_far(dir), 11u);
}

TEST(WarmStartCli, CopiesTheTrialsInsideTheNewSpaceWithoutRunningThem) {
  TempDir dir;
  run_old_study(dir);
  std::ofstream(dir.file("new.json")) << counting_experiment(dir.file("runs"), 2, 20, "random");
  Finished run = run_tune(dir, {"--config", dir.file("new.json"), "--study", dir.file("new"),
                                "--warm-start", dir.file("old"), "--trials", "2"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("tune: warm start: 9 of 11 complete trials of " + dir.file("old") +
                         " fall inside the new space"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(runs_so_far(dir), 13u) << "the 9 copied trials are not run; 2 new ones are";

  auto storage = open_existing_study(dir.file("new"), "test");
  auto trials = testing::trials_with_metrics(*storage);
  ASSERT_EQ(trials.size(), 11u);
  for (int i = 0; i < 9; ++i) {
    const TrialSnapshot& t = trials[i];
    EXPECT_EQ(t.state, TrialState::Complete);
    const int n = t.params["n"].get<int>();
    EXPECT_GE(n, 2);
    EXPECT_LE(n, 10);
    EXPECT_EQ(*t.value, std::abs(n - 3));
    ASSERT_EQ(t.metrics.size(), 2u) << "the curve comes along";
    EXPECT_EQ(t.summary["warm_start"]["study"], dir.file("old"));
    EXPECT_EQ(t.summary["warm_start"]["trial"], n) << "the grid ran n = 0, 1, ... in order";
  }
  for (int i = 9; i < 11; ++i) EXPECT_FALSE(trials[i].summary.contains("warm_start"));

  Finished status = run_tune(dir, {"status", "--study", dir.file("new")});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("trials: 11 (budget 11)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("best: trial 1, value 0"), std::string::npos)
      << "n = 3, a copied trial, is the best" << status.out;

  // A resume without the flag keeps the copied trials out of the budget too: nothing to run.
  Finished resume = run_tune(
      dir, {"--config", dir.file("new.json"), "--study", dir.file("new"), "--trials", "2"});
  ASSERT_EQ(resume.code, 0) << resume.err;
  EXPECT_EQ(runs_so_far(dir), 13u);
}

TEST(WarmStartCli, RefusesAStudyWithTrialsAndAMissingOldStudy) {
  TempDir dir;
  run_old_study(dir);
  Finished into_old = run_tune(dir, {"--config", dir.file("old.json"), "--study", dir.file("old"),
                                     "--warm-start", dir.file("old")});
  EXPECT_EQ(into_old.code, 2) << into_old.err;
  EXPECT_NE(into_old.err.find("study " + dir.file("old") +
                              " already has 11 trials; warm-start only a new study"),
            std::string::npos)
      << into_old.err;

  Finished missing = run_tune(dir, {"--config", dir.file("old.json"), "--study", dir.file("new"),
                                    "--warm-start", dir.file("nowhere")});
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_NE(missing.err.find("--warm-start"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::ifstream(dir.file("new") + "/study.db")) << "the new study is not created";
  EXPECT_EQ(runs_so_far(dir), 11u);
}

}  // namespace
}  // namespace tune
