// Population-based training on the training side: a checkpoint carries weights and optimizer
// state but the optimizer keeps the new config's options; a stretch goes on where its parent
// stopped; and whole pbt studies through the run engine, down to `tune best --test`'s reload.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "../store/temp_dir.h"
#include "../support/studies.h"
#include "../support/training.h"
#include "common/cpu.h"
#include "common/error.h"
#include "common/experiment.h"
#include "common/pbt_segment.h"
#include "data/cache.h"
#include "run/run_experiment.h"
#include "strategy/pbt.h"
#include "study/study.h"
#include "study/study_dir.h"
#include "train/train_objective.h"
#include "train/weights.h"
#include "train/weights_archive.h"

namespace tune {
namespace {

using testing::TempDir;

Json experiment_json() {
  return {{"name", "pbt"},
          {"data", testing::kSmallData},
          {"params",
           {{"model", "mlp"},
            {"layers", 1},
            {"units", 16},
            {"optimizer", "adam"},
            {"lr", 0.01},
            {"batch_size", 32},
            {"epochs", 4},
            {"seed", 0}}},
          {"space",
           {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 0.1}, {"log", true}}},
            {"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.3}}}}},
          {"strategy", {{"name", "pbt"}, {"population", 3}, {"interval", 1}}},
          {"objective", {{"monitor", "val_accuracy"}, {"direction", "maximize"}}},
          {"devices", {{"cpu_workers", 1}}}};
}

// Both kinds of CPU optimizer: ours (CpuOptimizer, its own state format) and torch::optim's.
class PbtCheckpoint : public ::testing::TestWithParam<CpuKernels> {
 protected:
  void SetUp() override { set_cpu_kernels(GetParam()); }
  void TearDown() override { set_cpu_kernels(before_); }
  CpuKernels before_ = cpu_kernels();
};

TEST_P(PbtCheckpoint, CarriesWeightsAndOptimizerStateButKeepsTheNewOptions) {
  TempDir dir;
  const Json config = {{"layers", 1}, {"units", 8}, {"lr", 0.01}, {"seed", 1}};
  Dataset data = testing::small_data_of_bytes(false);
  Hyperparameters hp(config, "test");
  auto model = builtin_models().build(hp, testing::kSmallShape, testing::kSmallClasses);
  initialize_parameters(*model, 1);
  auto adam = make_optimizer(hp, model->parameters());
  Trainer trained(model, std::move(adam), TrainOptions::from(hp));
  trained.fit(data);
  // The trainer owns the optimizer; a second one over the same parameters stands in for it.
  auto saved_opt = make_optimizer(hp, model->parameters());
  for (int k = 0; k < 3; ++k) {  // gives the optimizer state: moments and step counts
    saved_opt->zero_grad();
    model->forward(data.train.x.to(torch::kFloat)).pow(2).sum().backward();
    saved_opt->step();
  }
  const std::string path = dir.file("checkpoints/trial-0.pt");
  save_checkpoint(*model, *saved_opt, 0, config, path);

  Json next = config;
  next["lr"] = 0.05;
  Hyperparameters next_hp(next, "test");
  auto copy = builtin_models().build(next_hp, testing::kSmallShape, testing::kSmallClasses);
  initialize_parameters(*copy, 7);
  auto next_opt = make_optimizer(next_hp, copy->parameters());
  load_checkpoint(path, torch::kCPU, *copy, *next_opt);

  auto a = model->parameters(), b = copy->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
  // The optimizer state came along: one more step from the same gradients moves both models
  // alike (with lr set back to the same value), where a fresh optimizer would not.
  next_opt->param_groups()[0].options().set_lr(0.01);
  auto fresh_model = builtin_models().build(hp, testing::kSmallShape, testing::kSmallClasses);
  {
    torch::NoGradGuard no_grad;
    auto f = fresh_model->parameters();
    for (size_t i = 0; i < a.size(); ++i) f[i].copy_(a[i]);
  }
  auto fresh_opt = make_optimizer(hp, fresh_model->parameters());
  for (auto [net, opt] :
       {std::pair{model.ptr(), saved_opt.get()}, std::pair{copy.ptr(), next_opt.get()},
        std::pair{fresh_model.ptr(), fresh_opt.get()}}) {
    opt->zero_grad();
    net->as<torch::nn::Sequential>()
        ->forward(data.train.x.to(torch::kFloat))
        .pow(2)
        .sum()
        .backward();
    opt->step();
  }
  auto f = fresh_model->parameters();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-6, 1e-7)) << i;
    EXPECT_FALSE(torch::allclose(a[i], f[i], 1e-6, 1e-7)) << i;
  }
  next_opt->param_groups()[0].options().set_lr(0.05);
  EXPECT_DOUBLE_EQ(next_opt->param_groups()[0].options().get_lr(), 0.05);
  EXPECT_EQ(kept_weights_trial(path), 0);  // readable as weights too

  // A checkpoint of another shape does not fit; a missing one says where it was looked for.
  Json wider = config;
  wider["units"] = 12;
  Hyperparameters wider_hp(wider, "test");
  auto other = builtin_models().build(wider_hp, testing::kSmallShape, testing::kSmallClasses);
  auto other_opt = make_optimizer(wider_hp, other->parameters());
  EXPECT_THROW(load_checkpoint(path, torch::kCPU, *other, *other_opt), std::runtime_error);
  try {
    load_checkpoint(dir.file("checkpoints/trial-9.pt"), torch::kCPU, *copy, *next_opt);
    ADD_FAILURE() << "a missing checkpoint loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("trial-9.pt is missing"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(CpuKernels, PbtCheckpoint,
                         ::testing::Values(CpuKernels::Tuned, CpuKernels::LibTorch),
                         [](const ::testing::TestParamInfo<CpuKernels>& info) {
                           return info.param == CpuKernels::Tuned ? "Tuned" : "LibTorch";
                         });

// Trains `segment` of the experiment's config as trial `number` in `dir`; the epochs reported.
std::vector<Json> train_stretch(const Experiment& e, const PbtSegment& segment, int number,
                                const std::string& dir, DatasetCache& cache) {
  Config config = e.trial_config({{"lr", 0.01}});
  config[kPbtKey] = segment.to_json();
  std::vector<Json> epochs;
  TrialContext ctx;
  ctx.number = number;
  ctx.report = [&](const Json& m) {
    epochs.push_back(m);
    return Decision::Continue;
  };
  train_config(e, config, ctx, cache, "", dir);
  return epochs;
}

TEST(PbtStretch, GoesOnFromItsParentsCheckpointWithTheEpochsNumbered) {
  TempDir dir;
  const Experiment e = parse_experiment(experiment_json(), "pbt.json");
  DatasetCache cache;
  PbtSegment first;
  first.to_epoch = 2;
  const std::vector<Json> start = train_stretch(e, first, 0, dir.path(), cache);
  ASSERT_EQ(start.size(), 2u);
  EXPECT_EQ(start[1]["epoch"], 2);
  ASSERT_TRUE(std::filesystem::exists(study_checkpoint_path(dir.path(), 0)));

  PbtSegment next;
  next.from_epoch = 2;
  next.to_epoch = 4;
  next.parent = 0;
  const std::vector<Json> more = train_stretch(e, next, 1, dir.path(), cache);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0]["epoch"], 3);
  EXPECT_EQ(more[1]["epoch"], 4);
  // It starts from the trained weights: its first epoch's loss is below a fresh start's.
  EXPECT_LT(more[0]["train_loss"].get<double>(), start[0]["train_loss"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(study_checkpoint_path(dir.path(), 1)));

  next.parent = 5;  // no such checkpoint: the trial fails saying so
  EXPECT_THROW(train_stretch(e, next, 2, dir.path(), cache), std::runtime_error);
  TrialContext alone;  // without a study directory a stretch cannot run
  Config config = e.trial_config({});
  config[kPbtKey] = first.to_json();
  EXPECT_THROW(train_config(e, config, alone, cache), ConfigError);
}

TEST(PbtStudy, EveryMemberTrainsAllEpochsCopyingBetterOnesAndTheBestReloads) {
  TempDir dir;
  const Experiment e = parse_experiment(experiment_json(), "pbt.json");
  ExperimentRunOptions options;
  options.study_dir = dir.path();
  options.threads = 1;
  ExperimentRun run = run_experiment(e, options);
  EXPECT_EQ(run.summary.reason, RunControl::Reason::StrategyDone);
  std::vector<TrialSnapshot> trials =
      testing::trials_with_metrics(*open_existing_study(dir.path(), "test"));
  std::map<int, int> reached;
  int exploited = 0;
  for (const TrialSnapshot& t : trials) {
    ASSERT_EQ(t.state, TrialState::Complete) << t.number << " " << t.error;
    const PbtSegment s = *PbtSegment::from_config(t.params, "trial");
    ASSERT_EQ(t.metrics.size(), 1u);  // interval 1
    EXPECT_EQ(t.metrics[0]["epoch"], s.to_epoch);
    reached[s.member] = std::max(reached[s.member], s.to_epoch);
    exploited += s.exploited ? 1 : 0;
  }
  EXPECT_EQ(reached, (std::map<int, int>{{0, 4}, {1, 4}, {2, 4}}));
  EXPECT_GE(exploited, 1);
  // Only the checkpoints still needed remain: each member's last and the best trial's.
  std::optional<TrialSnapshot> best = best_trial(trials, Direction::Maximize);
  ASSERT_TRUE(best);
  std::set<int> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("checkpoints")))
    left.insert(std::stoi(entry.path().stem().string().substr(6)));
  std::set<int> expected = pbt_live_checkpoints(trials);
  expected.insert(best->number);
  EXPECT_EQ(left, expected);
  DatasetCache cache;
  Json test =
      test_best_trial(e, *best, study_checkpoint_path(dir.path(), best->number), "cpu", cache);
  EXPECT_EQ(test["source"], "kept weights");
  EXPECT_GT(test["test_accuracy"].get<double>(), 0.5);

  // Without its checkpoint the best stretch cannot be tested: it is not retrained alone.
  std::filesystem::remove(study_checkpoint_path(dir.path(), best->number));
  EXPECT_THROW(
      test_best_trial(e, *best, study_checkpoint_path(dir.path(), best->number), "cpu", cache),
      std::runtime_error);
}

TEST(PbtStudy, AStretchADeadProcessLeftRunsAgainWhenTheStudyResumes) {
  TempDir dir;
  Json json = experiment_json();
  json["trials"] = 6;  // half of the 3 members' 4 stretches
  ExperimentRunOptions options;
  options.study_dir = dir.path();
  options.threads = 1;
  options.stale_after = 2;  // the dead claim goes stale; live trials' heartbeats keep theirs
  EXPECT_EQ(run_experiment(parse_experiment(json, "pbt.json"), options).summary.reason,
            RunControl::Reason::BudgetSpent);

  // A process claimed member 0's next stretch and died (kill -9) before it ended.
  PbtSegment dead;
  {
    auto storage = open_study_dir(dir.path());
    const std::vector<TrialSnapshot> trials = storage->trials();
    const TrialSnapshot* newest = nullptr;
    for (const TrialSnapshot& t : trials)
      if (PbtSegment::from_config(t.params, "trial")->member == 0) newest = &t;
    ASSERT_TRUE(newest);
    dead = *PbtSegment::from_config(newest->params, "trial");
    dead.parent = newest->number;
    dead.exploited.reset();
    dead.from_epoch = dead.to_epoch;
    dead.to_epoch += 1;
    ClaimRequest claim;
    claim.number = static_cast<int>(trials.size());
    claim.params = without_pbt(newest->params);
    claim.params[kPbtKey] = dead.to_json();
    claim.worker = "dead:1/0";
    ASSERT_EQ(storage->claim(claim).status, ClaimStatus::Claimed);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // past stale_after

  json["trials"] = 12;
  EXPECT_EQ(run_experiment(parse_experiment(json, "pbt.json"), options).summary.reason,
            RunControl::Reason::StrategyDone);
  const std::vector<TrialSnapshot> trials = open_existing_study(dir.path(), "test")->trials();
  std::map<int, int> reached;
  int failed = 0, retried = 0;
  for (const TrialSnapshot& t : trials) {
    const PbtSegment s = *PbtSegment::from_config(t.params, "trial");
    if (t.state == TrialState::Failed) {
      ++failed;
      EXPECT_EQ(t.error.rfind(kWorkerDiedError, 0), 0u) << t.error;
      continue;
    }
    ASSERT_EQ(t.state, TrialState::Complete) << t.number;
    reached[s.member] = std::max(reached[s.member], s.to_epoch);
    retried += s.member == 0 && s.parent == dead.parent && s.from_epoch == dead.from_epoch;
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(retried, 1) << "the dead stretch ran again from its parent's checkpoint";
  EXPECT_EQ(reached, (std::map<int, int>{{0, 4}, {1, 4}, {2, 4}}));
}

}  // namespace
}  // namespace tune
