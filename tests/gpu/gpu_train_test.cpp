// Training on a CUDA device. Every test skips itself where LibTorch sees no CUDA device.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/experiment.h"
#include "data/cache.h"
#include "models/builders.h"
#include "train/optimizer.h"
#include "train/train_objective.h"
#include "train/trainer.h"

namespace tune {
namespace {

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const Json kData = {{"dataset", "synthetic"}, {"samples", 2000}, {"test_samples", 500},
                    {"features", 16},         {"classes", 5},    {"separation", 1.5}};

TEST(Gpu, DataIsPlacedOnTheDeviceOnce) {
  SKIP_WITHOUT_CUDA();
  DatasetCache cache;
  auto a = cache.get(kData, "cuda:0", "data");
  auto b = cache.get(kData, "cuda:0", "data");
  EXPECT_EQ(a.get(), b.get());
  for (const Split* s : {&a->train, &a->val, &a->test}) {
    EXPECT_TRUE(s->x.is_cuda());
    EXPECT_TRUE(s->y.is_cuda());
  }
  EXPECT_EQ(cache.size(), 2u);  // the CPU copy it came from, and the device copy
}

TEST(Gpu, TrainerLearnsOnCuda) {
  SKIP_WITHOUT_CUDA();
  DatasetCache cache;
  auto data = cache.get(kData, "cuda:0", "data");
  Hyperparameters hp({{"units", 64},
                      {"epochs", 10},
                      {"lr", 0.003},
                      {"batch_size", 64},
                      {"batch_norm", true},
                      {"dropout", 0.1}},
                     "gpu");
  auto model = builtin_models().build(hp, data->input_shape, data->num_classes);
  TrainOptions o = TrainOptions::from(hp);
  initialize_parameters(*model, o.seed);
  model->to(torch::Device("cuda:0"));
  Trainer trainer(model, make_optimizer(hp, model->parameters()), o);
  TrainResult r = trainer.fit(*data);
  EXPECT_EQ(r.stop_reason, "max_epochs");
  EXPECT_GT(r.history.back().val_accuracy, 0.95);
  ASSERT_TRUE(r.test);
  EXPECT_GT(r.test->accuracy, 0.95);
  EXPECT_TRUE(model->parameters().front().is_cuda());
}

TEST(Gpu, ObjectiveRunsOnTheTrialsDevice) {
  SKIP_WITHOUT_CUDA();
  Experiment e = parse_experiment({{"data", kData},
                                   {"params", {{"epochs", 3}, {"units", 32}, {"lr", 0.01}}},
                                   {"callbacks", {{"early_stopping", {{"patience", 2}}}}}},
                                  "gpu.json");
  TrialContext ctx;
  ctx.device = "cuda:0";
  int reported = 0;
  ctx.report = [&](const Json&) {
    ++reported;
    return Decision::Continue;
  };
  ObjectiveResult r = make_train_objective(e)->run(e.trial_config(Json::object()), ctx);
  EXPECT_GT(r.value, 0.9);
  EXPECT_EQ(reported, r.summary.at("epochs").get<int>());
}

TEST(Gpu, TuneTrainOnFashionMnist) {
  SKIP_WITHOUT_CUDA();
  std::string config = std::string(TUNE_SOURCE_DIR) + "/configs/fashion_mlp.json";
  // FASHION_MNIST names the directory where it is not installed (the lent GPU machine).
  const char* env = std::getenv("FASHION_MNIST");
  std::string data = env && *env ? env : "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(data)) GTEST_SKIP() << "Fashion-MNIST is not in " << data;
  std::string out =
      (std::filesystem::temp_directory_path() / ("tune_gpu_" + std::to_string(getpid()) + ".json"))
          .string();
  std::string cmd = std::string(TUNE_BINARY) + " train --config " + config +
                    " --epochs 3 --device cuda:0 --data " + data + " --output " + out +
                    " 2>/dev/null";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  std::ifstream in(out);
  Json j = Json::parse(in);
  std::filesystem::remove(out);
  EXPECT_EQ(j.at("device"), "cuda:0");
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.84);
}

}  // namespace
}  // namespace tune
