// Population-based training on a GPU: a study on cuda:0 with 4 workers sharing the device and
// fusing where they can, whose stretches train alone and eagerly, go on from checkpoints
// loaded onto the device (torch::optim's state there), and whose best stretch reloads for the
// test. Skips itself where LibTorch sees no CUDA device.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "../store/temp_dir.h"
#include "common/experiment.h"
#include "common/pbt_segment.h"
#include "data/cache.h"
#include "run/run_experiment.h"
#include "store/storage.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "train/weights.h"

namespace tune {
namespace {

TEST(GpuPbtStudy, MembersGoOnFromCheckpointsOnTheDeviceAndTheBestReloads) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  testing::TempDir dir;
  const Json root = {
      {"name", "gpu_pbt"},
      {"data",
       {{"dataset", "synthetic"},
        {"samples", 4000},
        {"test_samples", 500},
        {"features", 32},
        {"classes", 5}}},
      {"params",
       {{"model", "mlp"}, {"units", 64}, {"epochs", 4}, {"batch_size", 64}, {"optimizer", "adam"}}},
      {"objective", {{"monitor", "val_accuracy"}, {"value", "last"}}},
      {"space",
       {{"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-1}, {"log", true}}},
        {"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.5}}}}},
      {"strategy", {{"name", "pbt"}, {"population", 6}, {"interval", 1}}},
      {"devices", {{"gpus", "0"}, {"per_device", 4}, {"fuse", 4}}}};
  const Experiment e = parse_experiment(root, "gpu_pbt.json");
  ExperimentRunOptions options;
  options.study_dir = dir.file("study");
  ExperimentRun run = run_experiment(e, options);
  EXPECT_EQ(run.summary.reason, RunControl::Reason::StrategyDone);
  const std::vector<TrialSnapshot> trials =
      open_existing_study(dir.file("study"), "test")->trials();
  std::map<int, int> reached;
  int copies = 0;
  for (const TrialSnapshot& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.number << ": " << t.error;
    EXPECT_EQ(t.device, "cuda:0");
    EXPECT_FALSE(t.summary.contains("fused_group")) << "a stretch trains alone";
    const PbtSegment s = *PbtSegment::from_config(t.params, "trial");
    reached[s.member] = std::max(reached[s.member], s.to_epoch);
    copies += s.exploited ? 1 : 0;
  }
  EXPECT_EQ(reached.size(), 6u);
  for (const auto& [member, epoch] : reached) EXPECT_EQ(epoch, 4) << member;
  EXPECT_GE(copies, 1);
  std::optional<TrialSnapshot> best = best_trial(trials, Direction::Maximize);
  ASSERT_TRUE(best);
  DatasetCache cache;
  Json test = test_best_trial(e, *best, study_checkpoint_path(dir.file("study"), best->number),
                              "cuda:0", cache);
  EXPECT_EQ(test["source"], "kept weights");
}

}  // namespace
}  // namespace tune
