// tune best --test end to end on synthetic data: the weights a run keeps (--keep-best-weights
// or objective.keep_best_weights) are reloaded and give the test accuracy the trial recorded;
// without them the best config is trained again; studies that cannot be tested exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "common/json.h"
#include "process.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::Finished;
using testing::TempDir;

// Overlapping classes, so that test accuracy is well below 1 and differs between weights;
// early stopping restores the best epoch, so the tested weights are not the last epoch's.
Json synthetic_experiment(Json objective = Json::object()) {
  objective["monitor"] = "val_accuracy";
  return {{"name", "best_test"},
          {"data",
           {{"dataset", "synthetic"},
            {"samples", 600},
            {"test_samples", 300},
            {"features", 8},
            {"classes", 4},
            {"separation", 0.4},
            {"seed", 5}}},
          {"params",
           {{"units", 16}, {"optimizer", "adam"}, {"batch_size", 32}, {"epochs", 6}, {"seed", 1}}},
          {"callbacks", {{"early_stopping", {{"patience", 2}, {"restore_best", true}}}}},
          {"objective", objective},
          {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 0.1}, {"log", true}}}}},
          {"strategy", {{"name", "random"}}},
          {"trials", 4},
          {"seed", 2}};
}

Finished run_tune(const TempDir& dir, const std::vector<std::string>& args) {
  return testing::run_tune_binary(args, dir.file("best_test_run"));
}

Json run_and_test(const TempDir& dir, const Json& experiment, std::vector<std::string> flags,
                  std::string& err) {
  std::ofstream(dir.file("x.json")) << experiment;
  std::vector<std::string> args = {"--config", dir.file("x.json"), "--study", dir.file("s")};
  args.insert(args.end(), flags.begin(), flags.end());
  Finished run = run_tune(dir, args);
  EXPECT_EQ(run.code, 0) << run.err;
  Finished best = run_tune(dir, {"best", "--study", dir.file("s"), "--test"});
  EXPECT_EQ(best.code, 0) << best.err;
  err = best.err;
  return Json::parse(best.out);
}

TEST(BestTestCli, ReloadsKeptWeightsAndGetsTheRecordedTestAccuracy) {
  TempDir dir;
  std::string err;
  Json best = run_and_test(dir, synthetic_experiment(), {"--keep-best-weights"}, err);
  const Json& test = best.at("test");
  EXPECT_EQ(test.at("source"), "kept weights") << err;
  EXPECT_EQ(test.at("weights"), study_best_weights_path(dir.file("s")));
  const double recorded = best.at("summary").at("test_accuracy").get<double>();
  EXPECT_GT(recorded, 0.3);
  EXPECT_LT(recorded, 0.99) << "a test that could not tell weights apart";
  EXPECT_EQ(test.at("test_accuracy").get<double>(), recorded);
  EXPECT_DOUBLE_EQ(test.at("test_loss").get<double>(),
                   best.at("summary").at("test_loss").get<double>());
  EXPECT_NE(err.find("reloaded its weights from"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("s/weights")))
      << "the other trials' weights are deleted";
}

// Trials trained together in a fused group keep their weights too, each as a model of its
// own, and the best one's reload gives what it recorded (a fused group's sums run in another
// order than one model's, so up to rounding: at most one of the 300 test examples).
TEST(BestTestCli, FusedTrialsKeepTheirWeights) {
  TempDir dir;
  std::string err;
  Json best =
      run_and_test(dir, synthetic_experiment(), {"--keep-best-weights", "--fuse", "4"}, err);
  EXPECT_EQ(best.at("summary").at("fused_group").at("size"), 4) << best.dump();
  const Json& test = best.at("test");
  EXPECT_EQ(test.at("source"), "kept weights") << err;
  const double recorded = best.at("summary").at("test_accuracy").get<double>();
  EXPECT_LT(recorded, 0.99) << "a test that could not tell weights apart";
  EXPECT_NEAR(test.at("test_accuracy").get<double>(), recorded, 1.0 / 300 + 1e-9);
  EXPECT_NEAR(test.at("test_loss").get<double>(), best.at("summary").at("test_loss").get<double>(),
              1e-4);
}

// What a killed run leaves in STUDY/weights (the best trial's file never made best.pt, a
// finished trial's file never deleted) is put right when the study runs again.
TEST(BestTestCli, ARunTidiesTheWeightsAKilledRunLeft) {
  namespace fs = std::filesystem;
  TempDir dir;
  std::string err;
  Json first = run_and_test(dir, synthetic_experiment(), {"--keep-best-weights"}, err);
  const int best = first.at("number").get<int>();
  const int other = best == 0 ? 1 : 0;
  const std::string best_pt = study_best_weights_path(dir.file("s"));
  fs::create_directories(fs::path(study_trial_weights_path(dir.file("s"), best)).parent_path());
  fs::copy_file(best_pt, study_trial_weights_path(dir.file("s"), other));
  fs::rename(best_pt, study_trial_weights_path(dir.file("s"), best));
  Finished again = run_tune(dir, {"--config", dir.file("x.json"), "--study", dir.file("s"),
                                  "--trials", "5", "--keep-best-weights"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_FALSE(fs::exists(dir.file("s/weights"))) << "left: the finished trials' files";
  Finished tested = run_tune(dir, {"best", "--study", dir.file("s"), "--test"});
  ASSERT_EQ(tested.code, 0) << tested.err;
  EXPECT_EQ(Json::parse(tested.out).at("test").at("source"), "kept weights") << tested.err;
}

TEST(BestTestCli, ConfigFieldKeepsWeightsToo) {
  TempDir dir;
  std::string err;
  Json best = run_and_test(dir, synthetic_experiment({{"keep_best_weights", true}}), {}, err);
  EXPECT_EQ(best.at("test").at("source"), "kept weights") << err;
}

TEST(BestTestCli, RetrainsTheBestConfigWithoutKeptWeights) {
  TempDir dir;
  std::string err;
  Json best = run_and_test(dir, synthetic_experiment(), {}, err);
  EXPECT_FALSE(std::filesystem::exists(study_best_weights_path(dir.file("s"))));
  const Json& test = best.at("test");
  EXPECT_EQ(test.at("source"), "retrained") << err;
  EXPECT_FALSE(test.contains("weights"));
  // The same config and seed on the same data: the same model, up to the order of
  // floating-point sums when the thread count differs.
  EXPECT_NEAR(test.at("test_accuracy").get<double>(),
              best.at("summary").at("test_accuracy").get<double>(), 0.02);
  EXPECT_NE(err.find("retrained with its config and seed"), std::string::npos) << err;
}

TEST(BestTestCli, UntestableStudiesExit2) {
  TempDir dir;
  // A command objective: nothing to test; and one whose every trial fails: no complete trial.
  for (const char* code : {"print(1)", "import sys; sys.exit(3)"}) {
    Json command = {{"name", "cmd"},
                    {"space", {{"n", {{"type", "int"}, {"low", 0}, {"high", 3}}}}},
                    {"objective", {{"command", {"python3", "-c", code}}}},
                    {"trials", 2}};
    std::ofstream(dir.file("cmd.json")) << command;
    std::filesystem::remove_all(dir.file("c"));
    run_tune(dir, {"--config", dir.file("cmd.json"), "--study", dir.file("c")});
    Finished best = run_tune(dir, {"best", "--study", dir.file("c"), "--test"});
    EXPECT_EQ(best.code, 2) << best.err;
    EXPECT_NE(best.err.find(std::string(code) == "print(1)" ? "runs a command"
                                                            : "has no complete trial to test"),
              std::string::npos)
        << best.err;
    Finished keep = run_tune(
        dir, {"--config", dir.file("cmd.json"), "--study", dir.file("c"), "--keep-best-weights"});
    EXPECT_EQ(keep.code, 2);
    EXPECT_NE(keep.err.find("--keep-best-weights: applies to training objectives"),
              std::string::npos)
        << keep.err;
  }
  Finished missing = run_tune(dir, {"best", "--study", dir.file("none"), "--test"});
  EXPECT_EQ(missing.code, 2) << missing.err;
}

TEST(BestTestCli, ABadDataFlagIsNamedAsTheFlag) {
  TempDir dir;
  std::ofstream(dir.file("x.json")) << synthetic_experiment();
  ASSERT_EQ(run_tune(dir, {"--config", dir.file("x.json"), "--study", dir.file("s")}).code, 0);
  Finished best =
      run_tune(dir, {"best", "--study", dir.file("s"), "--test", "--data", dir.file("nowhere")});
  EXPECT_EQ(best.code, 2) << best.err;
  EXPECT_NE(best.err.find("error: --data: sets dir"), std::string::npos) << best.err;
}

}  // namespace
}  // namespace tune
