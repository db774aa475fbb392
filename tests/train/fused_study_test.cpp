// Fused trials in the run engine: which configs form groups, a group run through the training
// objective (each trial its own reports, a pruned trial leaving, the others unchanged), and whole
// studies with --fuse 4 whose trials are stored as they would be alone.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "../store/temp_dir.h"
#include "../support/studies.h"
#include "common/experiment.h"
#include "run/run_experiment.h"
#include "study/study_dir.h"
#include "train/fused/fused_groups.h"
#include "train/train_objective.h"

namespace tune {
namespace {

using testing::TempDir;

TEST(FusedGroups, FormsGroupsOfOneShapeUpToTheLargest) {
  const std::vector<int64_t> image = {1, 8, 8};
  const std::vector<Json> configs = {
      {{"layers", 2}, {"units", 32}, {"lr", 0.1}},                            // 0: A
      {{"layers", 1}},                                                        // 1: B
      {{"layers", 2}, {"units", 64}, {"dropout", 0.2}},                       // 2: A
      {{"layers", 2}, {"batch_size", 64}},                                    // 3: C
      {{"layers", 2}, {"optimizer", "sgd"}},                                  // 4: D
      {{"model", "cnn"}},                                                     // 5: E
      {{"layers", 2}, {"activation", "tanh"}, {"weight_decay", 1e-4}},        // 6: A
      {{"layers", 2}, {"batch_norm", true}},                                  // 7: alone
      {{"layers", 1}, {"units_0", 8}},                                        // 8: B
      {{"layers", 2}, {"epochs", 3}, {"seed", 9}},                            // 9: A
      {{"layers", "two"}},                                                    // 10: bad, alone
      {{"model", "mlp"}, {"layers", 2}, {"optimizer", "adam"}, {"lr", 1.0}},  // 11: A
      {{"model", "cnn"}, {"filters", 4}, {"lr", 0.1}},                        // 12: E
      {{"model", "cnn"}, {"kernel_size", 5}},                                 // 13: F
      {{"model", "cnn"}, {"dense_units", 0}, {"dropout", 0.3}},               // 14: alone
      {{"model", "cnn"}, {"blocks", 4}},  // 15: too many pooled blocks for 8x8: alone
  };
  using Groups = std::vector<std::vector<size_t>>;
  EXPECT_EQ(form_fused_groups(configs, 3, image),
            (Groups{{0, 2, 6}, {1, 8}, {3}, {4}, {5, 12}, {7}, {9, 11}, {10}, {13}, {14}, {15}}));
  EXPECT_EQ(form_fused_groups(configs, 8, image),
            (Groups{{0, 2, 6, 9, 11}, {1, 8}, {3}, {4}, {5, 12}, {7}, {10}, {13}, {14}, {15}}));
  Groups alone;
  for (size_t i = 0; i < configs.size(); ++i) alone.push_back({i});
  EXPECT_EQ(form_fused_groups(configs, 1, image), alone);
  for (size_t i : {7, 10, 14, 15}) EXPECT_FALSE(fuse_key(configs[i], image)) << i;
  EXPECT_EQ(*fuse_key(configs[0], image), *fuse_key(configs[11], image));
  // Examples that are no image (10 features): a cnn runs alone; mlp trials still group.
  EXPECT_FALSE(fuse_key(configs[5], {10}));
  EXPECT_TRUE(fuse_key(configs[0], {10}));
}

Json experiment_json() {
  return {{"name", "fused"},
          {"data",
           {{"dataset", "synthetic"},
            {"samples", 400},
            {"test_samples", 100},
            {"features", 6},
            {"classes", 3},
            {"seed", 3}}},
          {"params",
           {{"model", "mlp"},
            {"layers", 1},
            {"units", 16},
            {"optimizer", "adam"},
            {"lr", 0.01},
            {"batch_size", 32},
            {"epochs", 4},
            {"seed", 0}}},
          {"objective", {{"monitor", "val_accuracy"}, {"direction", "maximize"}}}};
}

// A context whose reports are kept; it prunes after `prune_after` epochs (0: never).
struct Reports {
  std::vector<Json> epochs;
  int prune_after = 0;
  TrialContext context() {
    TrialContext ctx;
    ctx.report = [this](const Json& m) {
      epochs.push_back(m);
      return prune_after > 0 && static_cast<int>(epochs.size()) >= prune_after ? Decision::Prune
                                                                               : Decision::Continue;
    };
    return ctx;
  }
};

void expect_same_curves(const std::vector<Json>& fused, const std::vector<Json>& alone,
                        const std::string& what) {
  ASSERT_EQ(fused.size(), alone.size()) << what;
  for (size_t e = 0; e < fused.size(); ++e)
    for (const char* key : {"train_loss", "val_loss", "val_accuracy"})
      EXPECT_NEAR(fused[e].at(key).get<double>(), alone[e].at(key).get<double>(), 1e-4)
          << what << " epoch " << e + 1 << " " << key;
}

TEST(FusedObjective, APrunedTrialLeavesItsGroupAndTheOthersTrainAsAlone) {
  const Experiment e = parse_experiment(experiment_json(), "fused.json");
  auto objective = make_train_objective(e);
  ASSERT_TRUE(objective->can_fuse());
  const std::vector<Json> configs = {e.trial_config({{"lr", 0.02}, {"units", 8}}),
                                     e.trial_config({{"lr", 0.005}, {"seed", 4}}),
                                     e.trial_config({{"lr", 0.05}, {"activation", "tanh"}})};
  std::vector<Reports> fused(3), alone(3);
  fused[1].prune_after = alone[1].prune_after = 2;
  std::vector<TrialContext> contexts;
  for (auto& r : fused) contexts.push_back(r.context());
  std::vector<TrialContext*> pointers;
  for (auto& c : contexts) pointers.push_back(&c);
  std::vector<GroupMemberResult> results = objective->run_group(configs, pointers);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(contexts[1].pruned());
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(results[k].error.empty()) << results[k].error;
    TrialContext ctx = alone[k].context();
    ObjectiveResult result = objective->run(configs[k], ctx);
    expect_same_curves(fused[k].epochs, alone[k].epochs, "trial " + std::to_string(k));
    EXPECT_NEAR(results[k].result.value, result.value, 1e-6) << k;
  }
  EXPECT_EQ(fused[1].epochs.size(), 2u);
  EXPECT_EQ(fused[0].epochs.size(), 4u);
}

// Runs `experiment` in `dir` with devices.fuse = `fuse` on one CPU worker.
std::vector<TrialSnapshot> run_study(Json experiment, const std::string& dir, int fuse) {
  experiment["devices"] = {{"fuse", fuse}, {"cpu_workers", 1}};
  ExperimentRunOptions options;
  options.study_dir = dir;
  options.threads = 1;
  run_experiment(parse_experiment(experiment, "fused.json"), options);
  return testing::trials_with_metrics(*open_existing_study(dir, "test"));
}

TEST(FusedStudy, Fuse4StoresEveryTrialWithItsOwnMetricsAsAlone) {
  TempDir dir;
  Json experiment = experiment_json();
  experiment["space"] = {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 0.1}, {"log", true}}},
                         {"units", {{"type", "int"}, {"low", 4}, {"high", 24}}},
                         {"activation", {{"type", "categorical"}, {"choices", {"relu", "tanh"}}}}};
  experiment["trials"] = 8;
  experiment["seed"] = 11;
  // Early stopping with patience 1 lets some trials leave their group before the others.
  experiment["callbacks"] = {{"early_stopping", {{"monitor", "val_loss"}, {"patience", 1}}}};
  const std::vector<TrialSnapshot> fused = run_study(experiment, dir.file("fused"), 4);
  const std::vector<TrialSnapshot> alone = run_study(experiment, dir.file("alone"), 1);
  ASSERT_EQ(fused.size(), 8u);
  ASSERT_EQ(alone.size(), 8u);
  std::map<int, int> group_sizes;
  for (size_t i = 0; i < fused.size(); ++i) {
    const TrialSnapshot& f = fused[i];
    const TrialSnapshot& a = alone[i];
    EXPECT_EQ(f.state, TrialState::Complete) << f.error;
    EXPECT_EQ(f.params, a.params);
    ASSERT_TRUE(f.summary.contains("fused_group")) << f.summary.dump();
    group_sizes[f.summary["fused_group"]["id"].get<int>()] =
        f.summary["fused_group"]["size"].get<int>();
    EXPECT_FALSE(a.summary.contains("fused_group"));
    std::vector<Json> fm(f.metrics.begin(), f.metrics.end()),
        am(a.metrics.begin(), a.metrics.end());
    expect_same_curves(fm, am, "trial " + std::to_string(f.number));
    ASSERT_TRUE(f.value && a.value);
    EXPECT_NEAR(*f.value, *a.value, 1e-6);
    EXPECT_EQ(f.summary["stop_reason"], a.summary["stop_reason"]);
  }
  EXPECT_EQ(group_sizes, (std::map<int, int>{{0, 4}, {4, 4}}));
}

TEST(FusedStudy, Fuse4FormsFullGroupsOnASpaceOfEightShapes) {
  TempDir dir;
  Json experiment = experiment_json();
  // 2 layer counts x 2 batch sizes x 2 optimizers: 8 shapes, so 4 independent draws would
  // rarely share one; random's batches of one shape form full groups.
  experiment["space"] = {{"layers", {{"type", "int"}, {"low", 1}, {"high", 2}}},
                         {"batch_size", {{"type", "categorical"}, {"choices", {32, 64}}}},
                         {"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd"}}}},
                         {"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 0.1}, {"log", true}}}};
  experiment["params"]["epochs"] = 1;
  experiment["trials"] = 12;
  experiment["seed"] = 5;
  const std::vector<TrialSnapshot> trials = run_study(experiment, dir.file("s"), 4);
  ASSERT_EQ(trials.size(), 12u);
  std::map<int, std::set<std::string>> shapes;  // group id -> its members' shapes
  for (const TrialSnapshot& t : trials) {
    EXPECT_EQ(t.state, TrialState::Complete) << t.error;
    ASSERT_TRUE(t.summary.contains("fused_group")) << t.summary.dump();
    EXPECT_EQ(t.summary["fused_group"]["size"], 4) << "trial " << t.number;
    shapes[t.summary["fused_group"]["id"].get<int>()].insert(
        t.params["layers"].dump() + t.params["batch_size"].dump() + t.params["optimizer"].dump());
  }
  EXPECT_EQ(shapes.size(), 3u);
  for (const auto& [id, members] : shapes) EXPECT_EQ(members.size(), 1u) << "group " << id;
}

TEST(FusedStudy, ADivergingTrialFailsAloneAndItsGroupCompletes) {
  TempDir dir;
  Json experiment = experiment_json();
  experiment["params"]["optimizer"] = "sgd";
  experiment["params"]["momentum"] = 0.9;
  experiment["params"]["weight_decay"] = 1.0;
  experiment["params"]["epochs"] = 8;
  // With lr 10, weight decay multiplies the weights by about -9 a step: they overflow, the loss
  // turns NaN and that trial diverges, which fails it; lr 0.01 and 0.05 train normally.
  experiment["space"] = {{"lr", {{"type", "categorical"}, {"choices", {0.01, 10, 0.05}}}}};
  experiment["strategy"] = {{"name", "grid"}};
  const std::vector<TrialSnapshot> trials = run_study(experiment, dir.file("s"), 4);
  ASSERT_EQ(trials.size(), 3u);
  for (const TrialSnapshot& t : trials) {
    EXPECT_EQ(t.summary["fused_group"]["size"], 3) << t.summary.dump();
    const bool diverging = t.params["lr"].get<double>() > 1;
    EXPECT_EQ(t.state, diverging ? TrialState::Failed : TrialState::Complete) << t.error;
    if (diverging) {
      EXPECT_NE(t.error.find("diverged"), std::string::npos) << t.error;
    }
    EXPECT_FALSE(t.metrics.empty());
  }
}

}  // namespace
}  // namespace tune
