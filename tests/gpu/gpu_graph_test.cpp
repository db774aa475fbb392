// Training steps replayed from CUDA graphs (train/step_graph.h). Every test skips itself where
// LibTorch sees no CUDA device.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "../store/temp_dir.h"
#include "common/experiment.h"
#include "data/cache.h"
#include "models/builders.h"
#include "run/worker_env.h"
#include "store/storage.h"
#include "train/fused/fused_trainer.h"
#include "train/generators.h"
#include "train/optimizer.h"
#include "train/step_graph.h"
#include "train/trainer.h"

namespace tune {
namespace {

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const torch::Device kGpu("cuda:0");
const Json kData = {{"dataset", "synthetic"}, {"samples", 2000}, {"test_samples", 500},
                    {"features", 16},         {"classes", 5},    {"separation", 1.5}};

TEST(GpuGraph, CapturesAfterWarmUpAndReplays) {
  SKIP_WITHOUT_CUDA();
  auto counter = torch::zeros({}, torch::dtype(torch::kFloat).device(kGpu));
  GraphedStep step([&] { counter.add_(1); }, kGpu, {}, "counter", /*warmup=*/2);
  for (int i = 0; i < 6; ++i) step.run();
  EXPECT_TRUE(step.captured()) << step.failure();
  EXPECT_EQ(counter.item<float>(), 6);  // 2 warm-up steps, the captured one, 3 replays
}

TEST(GpuGraph, ACaptureThatFailsFallsBackToEagerSteps) {
  SKIP_WITHOUT_CUDA();
  auto counter = torch::zeros({}, torch::dtype(torch::kFloat).device(kGpu));
  // .item() synchronises with the device, which a capture forbids.
  GraphedStep step([&] { counter.add_(counter.item<float>() >= 0 ? 1 : 2); }, kGpu, {}, "sync", 1);
  for (int i = 0; i < 4; ++i) step.run();
  EXPECT_FALSE(step.captured());
  EXPECT_FALSE(step.failure().empty());
  EXPECT_EQ(counter.item<float>(), 4);
}

// Masks drawn inside a graph come from the registered generator: each replay draws new ones,
// and the same seed gives the same sequence.
std::vector<torch::Tensor> masks(uint64_t seed) {
  at::Generator generator = trial_generator(kGpu, seed);
  auto out = torch::empty({256}, torch::dtype(torch::kFloat).device(kGpu));
  GraphedStep step([&] { out.bernoulli_(0.5, generator); }, kGpu, {generator}, "masks", 1);
  std::vector<torch::Tensor> drawn;
  for (int i = 0; i < 5; ++i) {
    step.run();
    drawn.push_back(out.clone());
  }
  EXPECT_TRUE(step.captured()) << step.failure();
  return drawn;
}

TEST(GpuGraph, DropoutMasksComeFromTheTrialsGenerator) {
  SKIP_WITHOUT_CUDA();
  auto a = masks(7), b = masks(7), c = masks(8);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i], b[i])) << "step " << i;
    EXPECT_FALSE(torch::equal(a[i], c[i])) << "step " << i;
  }
  EXPECT_FALSE(torch::equal(a[3], a[4]));  // replays draw fresh masks
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

double largest_difference(const std::vector<torch::Tensor>& a,
                          const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  return worst;
}

struct Trained {
  TrainResult result;
  std::vector<torch::Tensor> weights;
  bool graphed = false;
};

Trained train_alone(const Json& config, bool graphs, const Dataset& data) {
  Hyperparameters hp(config, "gpu");
  auto model = builtin_models().build(hp, data.input_shape, data.num_classes);
  TrainOptions o = TrainOptions::from(hp);
  initialize_parameters(*model, o.seed);
  model->to(kGpu);
  Trainer trainer(model, make_optimizer(hp, model->parameters()), o);
  if (graphs) trainer.capture_steps(optimizer_spec(hp));
  Trained t{trainer.fit(data), copies(model->parameters()), false};
  t.graphed = trainer.replayed_graph();
  return t;
}

class GraphedEqualsEager : public ::testing::TestWithParam<std::string> {};

// The graphed trainer steps with the device-resident optimizer, the eager one with
// torch::optim's: the same formulas, so the weights agree to float rounding.
TEST_P(GraphedEqualsEager, SingleTrial) {
  SKIP_WITHOUT_CUDA();
  DatasetCache cache;
  auto data = cache.get(kData, "cuda:0", "data");
  const Json config = {{"units", 32},
                       {"epochs", 3},
                       {"batch_size", 64},
                       {"seed", 5},
                       {"optimizer", GetParam()},
                       {"momentum", 0.9},
                       {"weight_decay", 0.01}};
  Json c = config;
  if (GetParam() != "sgd") c.erase("momentum");
  for (const std::string schedule : {"constant", "cosine"}) {  // cosine: lr set between epochs
    c["lr_schedule"] = schedule;
    Trained eager = train_alone(c, false, *data), graphed = train_alone(c, true, *data);
    EXPECT_FALSE(eager.graphed);
    EXPECT_TRUE(graphed.graphed);
    EXPECT_LT(largest_difference(graphed.weights, eager.weights), 1e-3) << schedule;
    ASSERT_EQ(graphed.result.history.size(), eager.result.history.size());
    for (size_t e = 0; e < eager.result.history.size(); ++e)
      EXPECT_NEAR(graphed.result.history[e].train_loss, eager.result.history[e].train_loss, 1e-3)
          << schedule;
  }
}

FusedTrainer fused_group(const std::string& optimizer, const Dataset& data) {
  std::vector<Hyperparameters> configs;
  for (int k = 0; k < 4; ++k)
    configs.emplace_back(Json{{"units", 16 + 8 * k},
                              {"epochs", 3},
                              {"batch_size", 64},
                              {"seed", k},
                              {"optimizer", optimizer},
                              {"lr_schedule", k % 2 ? "cosine" : "constant"},
                              {"lr", optimizer == "sgd" ? 0.05 : 0.002 * (k + 1)}},
                         "gpu");
  return make_fused_trainer(configs, data.input_shape, data.num_classes, kGpu);
}

// K = 4 with padded widths, trials 1 and 3 with a cosine schedule (their learning rates written
// in place between epochs); trial 2 is asked to stop part-way, so it leaves the group while the
// graph runs (its learning rate and loss weight become 0 in place).
TEST_P(GraphedEqualsEager, FusedGroupOfFour) {
  SKIP_WITHOUT_CUDA();
  DatasetCache cache;
  auto data = cache.get(kData, "cuda:0", "data");
  std::vector<std::vector<torch::Tensor>> weights[2];
  std::vector<TrainResult> results[2];
  for (bool graphs : {false, true}) {
    FusedTrainer group = fused_group(GetParam(), *data);
    int polls = 0;
    group.stop_when(2, [&polls] { return ++polls > 30; });
    group.capture_steps(graphs);
    results[graphs] = group.fit(*data);
    EXPECT_EQ(group.replayed_graph(), graphs);
    for (int64_t k = 0; k < 4; ++k) weights[graphs].push_back(copies(group.model().trial_state(k)));
  }
  for (int64_t k = 0; k < 4; ++k) {
    EXPECT_LT(largest_difference(weights[1][k], weights[0][k]), 1e-4) << "trial " << k;
    EXPECT_EQ(results[1][k].stop_reason, results[0][k].stop_reason) << "trial " << k;
  }
  EXPECT_EQ(results[1][2].stop_reason, "stopped");
}

INSTANTIATE_TEST_SUITE_P(Optimizers, GraphedEqualsEager, ::testing::Values("adam", "sgd"));

TEST(GpuGraph, FourWorkerThreadsCaptureAtOnce) {
  SKIP_WITHOUT_CUDA();
  DatasetCache cache;
  auto data = cache.get(kData, "cuda:0", "data");
  std::vector<Trained> trained(4);
  std::vector<std::string> errors(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      try {
        auto env = enter_worker("cuda:0", 1);  // a stream of its own, as the scheduler's
        trained[w] = train_alone({{"units", 64},
                                  {"epochs", 4},
                                  {"batch_size", 64},
                                  {"dropout", 0.1},
                                  {"seed", w},
                                  {"lr", 0.003}},
                                 true, *data);
      } catch (const std::exception& e) {
        errors[w] = e.what();
      }
    });
  for (auto& t : workers) t.join();
  for (int w = 0; w < 4; ++w) {
    EXPECT_EQ(errors[w], "") << "worker " << w;
    EXPECT_TRUE(trained[w].graphed) << "worker " << w;
    EXPECT_GT(trained[w].result.history.back().val_accuracy, 0.9) << "worker " << w;
  }
}

TEST(GpuGraph, AStudyWithCudaGraphsCompletes) {
  SKIP_WITHOUT_CUDA();
  testing::TempDir dir;
  const Json experiment = {
      {"data", kData},
      {"params", {{"units", 64}, {"epochs", 3}, {"batch_size", 64}}},
      {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-2}, {"log", true}}}}}};
  std::ofstream(dir.file("experiment.json")) << experiment.dump();
  std::string cmd = std::string(TUNE_BINARY) + " --config " + dir.file("experiment.json") +
                    " --gpus 0 --per-device 2 --trials 6 --cuda-graphs on --study " +
                    dir.file("study") + " 2>" + dir.file("err");
  int status = std::system(cmd.c_str());
  std::ifstream err(dir.file("err"));
  std::string log((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << log;
  EXPECT_EQ(log.find("capture failed"), std::string::npos) << log;
  auto trials = open_sqlite_storage(dir.file("study/study.db"))->trials();
  ASSERT_EQ(trials.size(), 6u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.error;
    EXPECT_GT(*t.value, 0.8);
  }
}

}  // namespace
}  // namespace tune
