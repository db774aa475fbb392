// Several trials at once on one GPU. Every test skips itself where LibTorch sees no CUDA device.
#include <gtest/gtest.h>
#include <torch/torch.h>

#ifdef TUNE_WITH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>

#include "../store/temp_dir.h"
#include "common/experiment.h"
#include "run/run_experiment.h"
#include "store/storage.h"
#include "study/study_dir.h"
#include "train/train_objective.h"

namespace tune {
namespace {

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

const Json kExperiment = {
    {"data", {{"dataset", "synthetic"}, {"samples", 4000}, {"features", 32}, {"classes", 5}}},
    {"params", {{"units", 64}, {"epochs", 4}, {"batch_size", 64}, {"optimizer", "adam"}}},
    {"objective", {{"monitor", "val_accuracy"}}}};

// Forwards to the training objective, noting the stream each trial ran on and how many ran at
// once.
class StreamRecorder : public Objective {
 public:
  explicit StreamRecorder(std::unique_ptr<Objective> inner) : inner_(std::move(inner)) {}
  ObjectiveResult run(const Json& config, TrialContext& ctx) override {
#ifdef TUNE_WITH_CUDA
    int64_t stream = c10::cuda::getCurrentCUDAStream(0).id();
#else
    int64_t stream = -1;
#endif
    {
      std::lock_guard<std::mutex> lock(mutex_);
      streams.insert(stream);
      most_at_once = std::max(most_at_once, ++running_);
    }
    ObjectiveResult r = inner_->run(config, ctx);
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    return r;
  }
  std::set<int64_t> streams;
  int most_at_once = 0;

 private:
  std::unique_ptr<Objective> inner_;
  std::mutex mutex_;
  int running_ = 0;
};

TEST(GpuSched, TwoWorkersOnOneGpuTrainOnTheirOwnStreams) {
  SKIP_WITHOUT_CUDA();
  testing::TempDir dir;
  Experiment e = parse_experiment(kExperiment, "gpu.json");
  e.trials = 6;
  e.space = {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-2}, {"log", true}}}};
  e.devices = {{"gpus", "0"}, {"per_device", 2}};
  auto recorder = std::make_shared<StreamRecorder>(make_train_objective(e));
  ExperimentRunOptions run;
  run.study_dir = dir.file("study");
  run.objective = recorder;
  RunSummary summary = run_experiment(e, run).summary;
  EXPECT_EQ(summary.totals.complete, 6) << summary.detail;
  EXPECT_EQ(recorder->streams.size(), 2u);  // one per worker
#ifdef TUNE_WITH_CUDA
  EXPECT_FALSE(recorder->streams.count(c10::cuda::getDefaultCUDAStream(0).id()));
#endif
  EXPECT_EQ(recorder->most_at_once, 2);
  for (const auto& t : open_study_dir(dir.file("study"))->trials()) {
    EXPECT_EQ(t.device, "cuda:0");
    EXPECT_GT(*t.value, 0.5);
  }
}

// The most trials running at one moment, from their start and end times.
int most_at_once(const std::vector<TrialSnapshot>& trials) {
  std::vector<std::pair<double, int>> events;
  for (const auto& t : trials) {
    events.push_back({t.start_time, +1});
    events.push_back({t.end_time, -1});
  }
  std::sort(events.begin(), events.end());  // an end before a start at the same instant
  int now = 0, most = 0;
  for (const auto& [time, change] : events) most = std::max(most, now += change);
  return most;
}

TEST(GpuSched, BayesWithFourTrialsPerGpu) {
  SKIP_WITHOUT_CUDA();
  testing::TempDir dir;
  Json experiment = kExperiment;
  experiment["space"] = {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-2}, {"log", true}}},
                         {"units", {{"type", "int"}, {"low", 16}, {"high", 128}, {"log", true}}}};
  std::ofstream(dir.file("experiment.json")) << experiment.dump();
  std::string cmd = std::string(TUNE_BINARY) + " --config " + dir.file("experiment.json") +
                    " --strategy bayes --gpus 0 --per-device 4 --fuse 1 --trials 16 --study " +
                    dir.file("study") + " 2>" + dir.file("err");
  int status = std::system(cmd.c_str());
  std::ifstream err(dir.file("err"));
  std::string log((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << log;
  EXPECT_NE(log.find("4 workers (4 on cuda:0)"), std::string::npos) << log;
  auto trials = open_sqlite_storage(dir.file("study/study.db"))->trials();
  ASSERT_EQ(trials.size(), 16u);
  std::set<std::string> workers, configs;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.error;
    workers.insert(t.worker);
    configs.insert(t.params.dump());
  }
  EXPECT_EQ(workers.size(), 4u);
  EXPECT_EQ(configs.size(), 16u);  // concurrent asks got distinct points
  EXPECT_EQ(most_at_once(trials), 4);
}

}  // namespace
}  // namespace tune
