// A fused study on a GPU: 16 trials in groups of 8 on cuda:0, each stored with its own
// per-epoch metrics and its group. Skips itself where LibTorch sees no CUDA device.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "../store/temp_dir.h"
#include "common/experiment.h"
#include "run/run_experiment.h"
#include "store/storage.h"
#include "study/study_dir.h"

namespace tune {
namespace {

TEST(GpuFusedStudy, SixteenTrialsInGroupsEachStoredWithItsOwnMetrics) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  testing::TempDir dir;
  const Json root = {
      {"name", "gpu_fused"},
      {"data", {{"dataset", "synthetic"}, {"samples", 4000}, {"features", 32}, {"classes", 5}}},
      {"params",
       {{"model", "mlp"}, {"units", 64}, {"epochs", 3}, {"batch_size", 64}, {"optimizer", "adam"}}},
      {"objective", {{"monitor", "val_accuracy"}}},
      {"space",
       {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-2}, {"log", true}}},
        {"units", {{"type", "int"}, {"low", 16}, {"high", 128}}}}},
      {"devices", {{"gpus", "0"}, {"fuse", 8}}},
      {"trials", 16}};
  ExperimentRunOptions options;
  options.study_dir = dir.file("study");
  ExperimentRun run = run_experiment(parse_experiment(root, "gpu_fused.json"), options);
  EXPECT_EQ(run.summary.totals.complete, 16);
  TrialQuery query;
  query.with_metrics = true;
  std::map<int, int> groups;
  for (const TrialSnapshot& t : open_existing_study(dir.file("study"), "test")->trials(query)) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.error;
    EXPECT_EQ(t.device, "cuda:0");
    EXPECT_EQ(t.metrics.size(), 3u);
    for (const Json& m : t.metrics) EXPECT_TRUE(m.contains("val_accuracy"));
    ASSERT_TRUE(t.summary.contains("fused_group")) << t.summary.dump();
    ++groups[t.summary["fused_group"]["id"].get<int>()];
  }
  EXPECT_EQ(groups, (std::map<int, int>{{0, 8}, {8, 8}}));
}

}  // namespace
}  // namespace tune
