// `tune train` end to end: the binary is run as a user would; bad input must exit 2 with one
// line naming the field. Torch-free: this area only runs the binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "common/remove_tree.h"

namespace tune {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string err;
};

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tune_train_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { remove_tree(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  // A copy of the synthetic demo config with `patch` merged into it.
  std::string config(const Json& patch = Json::object()) const {
    std::ifstream in(std::string(TUNE_SOURCE_DIR) + "/configs/synthetic_mlp.json");
    Json j = Json::parse(in);
    j.merge_patch(patch);
    return write("config.json", j.dump());
  }

  CliRun tune(const std::string& args) const {
    std::string err = path("stderr.txt");
    std::string cmd = std::string(TUNE_BINARY) + " train " + args + " > /dev/null 2> " + err;
    int status = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err);
    std::stringstream s;
    s << in.rdbuf();
    r.err = s.str();
    return r;
  }

  // Exit code 2 and a single "tune: error:" line that mentions `needle`.
  void expect_config_error(const std::string& args, const std::string& needle) const {
    CliRun r = tune(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("tune: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  fs::path dir_;
};

TEST_F(TrainCli, TrainsAndWritesTheRecord) {
  std::string out = path("runs/new/run.json");  // directories that do not exist yet are made
  CliRun r = tune("--config " + config() + " --epochs 3 --set units=12 --output " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 1/3"), std::string::npos) << r.err;
  std::ifstream in(out);
  Json j = Json::parse(in);
  EXPECT_EQ(j.at("config").at("units"), 12);
  EXPECT_EQ(j.at("config").at("epochs"), 3);
  ASSERT_TRUE(j.at("history").is_array());
  ASSERT_FALSE(j.at("history").empty());
  EXPECT_LE(j.at("history").size(), 3u);
  for (const char* key : {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                          "seconds", "samples_per_second"})
    EXPECT_TRUE(j.at("history")[0].contains(key)) << key;
  EXPECT_TRUE(j.at("stop_reason").is_string());
  EXPECT_GE(j.at("best_epoch").get<int>(), 1);
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.9);
}

TEST_F(TrainCli, CpuKernelsFlag) {
  // With dropout, LibTorch's kernels draw other masks: another, equally repeatable, curve.
  auto last_loss = [&](const std::string& flags) {
    std::string out = path("k.json");
    CliRun r = tune("--config " + config() + " --epochs 2 --set dropout=0.3 --threads 1 " + flags +
                    " --output " + out);
    EXPECT_EQ(r.code, 0) << r.err;
    std::ifstream in(out);
    return Json::parse(in).at("history").back().at("train_loss").get<double>();
  };
  const double tuned = last_loss("");
  EXPECT_EQ(last_loss("--cpu-kernels tuned"), tuned);
  const double libtorch = last_loss("--cpu-kernels libtorch");
  EXPECT_NE(libtorch, tuned);
  EXPECT_EQ(last_loss("--cpu-kernels libtorch"), libtorch);
  expect_config_error("--config " + config() + " --cpu-kernels fast", "--cpu-kernels");
  expect_config_error("--config " + config({{"devices", {{"cpu_kernels", "mkl"}}}}),
                      "devices.cpu_kernels");
}

TEST_F(TrainCli, EarlyStoppingEndsBeforeMaxEpochs) {
  // min_delta far above any gain: no epoch after the first counts as an improvement.
  std::string out = path("run.json");
  Json patch = {{"params", {{"epochs", 20}}},
                {"callbacks", {{"early_stopping", {{"patience", 2}, {"min_delta", 100}}}}}};
  CliRun r = tune("--config " + config(patch) + " --output " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(out);
  Json j = Json::parse(in);
  EXPECT_EQ(j.at("stop_reason"), "early_stopping");
  EXPECT_EQ(j.at("history").size(), 3u);
}

TEST_F(TrainCli, TargetReachedStops) {
  std::string out = path("run.json");
  Json patch = {{"params", {{"epochs", 20}}},
                {"callbacks", {{"target_reached", {{"monitor", "val_accuracy"}, {"value", 0.5}}}}}};
  ASSERT_EQ(tune("--config " + config(patch) + " --output " + out).code, 0);
  std::ifstream in(out);
  EXPECT_EQ(Json::parse(in).at("stop_reason"), "target_reached");
}

TEST_F(TrainCli, BadJson) {
  expect_config_error("--config " + write("bad.json", "{\"params\": {"), "invalid JSON");
}

TEST_F(TrainCli, MissingConfigFileAndFlag) {
  expect_config_error("--config " + path("none.json"), "none.json");
  expect_config_error("", "--config");
}

TEST_F(TrainCli, UnknownBuilderActivationOptimizer) {
  std::string c = config();
  expect_config_error("--config " + c + " --set model=rnn", "--set model");
  expect_config_error("--config " + c + " --set activation=swish", "--set activation");
  expect_config_error("--config " + c + " --set optimizer=lbfgs", "--set optimizer");
}

TEST_F(TrainCli, WrongTypes) {
  std::string c = config();
  expect_config_error("--config " + c + " --set units=wide", "--set units");
  expect_config_error("--config " + c + " --set lr=fast", "--set lr");
  expect_config_error("--config " + c + " --set batch_norm=3", "--set batch_norm");
  expect_config_error("--config " + config({{"params", {{"layers", 1.5}}}}), "params.layers");
  expect_config_error("--config " + config({{"data", {{"samples", "many"}}}}), "data.samples");
}

TEST_F(TrainCli, OutOfRangeValues) {
  std::string c = config();
  expect_config_error("--config " + c + " --set dropout=1.5", "--set dropout");
  expect_config_error("--config " + c + " --set layers=100", "--set layers");
  expect_config_error("--config " + c + " --set lr=-1", "--set lr");
  expect_config_error("--config " + c + " --set batch_size=0", "--set batch_size");
  expect_config_error("--config " + c + " --set momentum=2 --set optimizer=sgd", "--set momentum");
  expect_config_error("--config " + c + " --epochs 0", "--epochs");
  expect_config_error("--config " + config({{"data", {{"validation_fraction", 0}}}}),
                      "data.validation_fraction");
}

TEST_F(TrainCli, BadSections) {
  expect_config_error(
      "--config " + config({{"callbacks", {{"early_stopping", {{"patience", "x"}}}}}}),
      "callbacks.early_stopping.patience");
  expect_config_error("--config " + config({{"callbacks", {{"early_stoping", Json::object()}}}}),
                      "callbacks.early_stoping");
  expect_config_error("--config " + config({{"objective", {{"monitor", "f1"}}}}),
                      "objective.monitor");
  expect_config_error("--config " + config({{"data", {{"dataset", "imagenet"}}}}), "data.dataset");
}

TEST_F(TrainCli, DeviceThatDoesNotExist) {
  std::string c = config();
  expect_config_error("--config " + c + " --device cuda:3", "--device");
  expect_config_error("--config " + c + " --device tpu", "--device");
}

TEST_F(TrainCli, UnknownFlagsAndArguments) {
  std::string c = config();
  expect_config_error("--config " + c + " --bogus", "bogus");
  expect_config_error("--config " + c + " extra", "extra");
  expect_config_error("--config " + c + " --epochs many", "epochs");
  expect_config_error("--config " + c + " --set novalue", "--set");
}

TEST_F(TrainCli, MissingDatasetDirectoryNamesThePath) {
  std::string fashion = std::string(TUNE_SOURCE_DIR) + "/configs/fashion_mlp.json";
  expect_config_error("--config " + fashion + " --data " + path("nowhere"), path("nowhere"));
}

}  // namespace
}  // namespace tune
