// The run loop with fused groups, on a fake objective that fuses: a worker with fuse K claims
// up to K trials at once, hands the objective's groups to run_group, and records each trial on
// its own (its epochs, its outcome, its error, its group in the summary); a group that throws
// fails each of its trials and the study goes on.
#include <gtest/gtest.h>

#include <map>

#include "../store/temp_dir.h"
#include "../support/studies.h"
#include "fakes.h"
#include "run/run_loop.h"
#include "store/storage.h"
#include "study/study.h"

namespace tune {
namespace {

using testing::CountingStrategy;
using testing::TempDir;

// Fuses configs in order, `largest` at a time. Each trial reports two epochs (x, then x + 1)
// and is worth x + 1; x = 2 fails on its own the first time; a group holding x = `throw_at`
// throws the first time (CountingStrategy offers failed points again).
class FusingObjective : public Objective {
 public:
  explicit FusingObjective(int throw_at = -1) : throw_at_(throw_at) {}
  // A group of one runs alone.
  ObjectiveResult run(const Json& config, TrialContext&) override {
    ++alone;
    return {config.at("x").get<double>() + 1, Json::object()};
  }
  bool can_fuse() const override { return true; }
  std::vector<std::vector<size_t>> fuse_groups(const std::vector<Json>& configs, int largest,
                                               const std::string&) override {
    std::vector<std::vector<size_t>> groups;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (i % static_cast<size_t>(largest) == 0) groups.emplace_back();
      groups.back().push_back(i);
    }
    return groups;
  }
  std::vector<GroupMemberResult> run_group(const std::vector<Json>& configs,
                                           const std::vector<TrialContext*>& contexts) override {
    sizes.push_back(configs.size());
    std::vector<GroupMemberResult> out(configs.size());
    for (size_t k = 0; k < configs.size(); ++k) {
      const int x = configs[k].at("x").get<int>();
      if (x == throw_at_ && !thrown_) {
        thrown_ = true;
        throw std::runtime_error("out of memory");
      }
      for (int e = 0; e < 2; ++e)
        if (!contexts[k]->report_epoch({{"value", x + e}})) break;
      if (x == 2 && !failed_) {
        failed_ = true;
        out[k].error = "x is 2";
      } else {
        out[k].result = {x + 1.0, {{"note", x}}};
      }
    }
    return out;
  }
  std::vector<size_t> sizes;
  int alone = 0;

 private:
  int throw_at_;
  bool thrown_ = false, failed_ = false;
};

// Prunes trial 1 at its first epoch.
class PruneTrialOne : public Pruner {
 public:
  bool prune(const PruneContext& ctx) const override { return ctx.trial == 1; }
};

std::vector<TrialSnapshot> run_fused(const TempDir& dir, FusingObjective& objective, int trials,
                                     int fuse, std::shared_ptr<const Pruner> pruner = nullptr) {
  StudyOptions options;
  options.trials = trials;
  options.pruner = std::move(pruner);
  std::shared_ptr<Storage> storage = open_sqlite_storage(dir.file("study.db"));
  Study study(storage, Space(), std::make_unique<CountingStrategy>(), options);
  RunControl control;
  control.max_consecutive_failures = 0;
  WorkerSpec worker{0, "cpu", "test/0"};
  worker.fuse = fuse;
  std::shared_ptr<Objective> shared(&objective, [](Objective*) {});
  run_study(study, {worker}, [&](const WorkerSpec&) { return shared; }, control, {});
  return testing::trials_with_metrics(*storage);
}

TEST(FusedRun, EachTrialOfAGroupIsRecordedOnItsOwn) {
  TempDir dir;
  FusingObjective objective;
  const std::vector<TrialSnapshot> trials = run_fused(dir, objective, 10, 4);
  // The failed trial frees its budget: 4 + 4 claimed, then the 3 the budget has left.
  EXPECT_EQ(objective.sizes, (std::vector<size_t>{4, 4, 3}));
  EXPECT_EQ(objective.alone, 0);
  ASSERT_EQ(trials.size(), 11u);
  for (const TrialSnapshot& t : trials) {
    const int x = t.params.at("x").get<int>();
    EXPECT_EQ(t.summary.at("fused_group"),
              (Json{{"id", t.number / 4 * 4}, {"size", t.number < 8 ? 4 : 3}}));
    ASSERT_EQ(t.metrics.size(), 2u);
    EXPECT_EQ(t.metrics[1].at("value"), x + 1);
    if (t.number == 2) {
      EXPECT_EQ(t.state, TrialState::Failed);
      EXPECT_EQ(t.error, "x is 2");
    } else {
      EXPECT_EQ(t.state, TrialState::Complete) << t.error;
      EXPECT_EQ(*t.value, x + 1.0);
      EXPECT_EQ(t.summary.at("note"), x);
    }
  }
}

TEST(FusedRun, AGroupThatThrowsFailsEachOfItsTrialsAndTheStudyGoesOn) {
  TempDir dir;
  FusingObjective objective(3);
  const std::vector<TrialSnapshot> trials = run_fused(dir, objective, 9, 3);
  // Trial 2 (x = 2) fails on its own; the next group (trials 3-5: x = 2, 3, 4) throws and
  // fails with it; their points run again in later groups, the budget's last trial alone.
  ASSERT_EQ(trials.size(), 13u);
  EXPECT_EQ(objective.sizes, (std::vector<size_t>{3, 3, 3, 3}));
  EXPECT_EQ(objective.alone, 1);
  for (const TrialSnapshot& t : trials) {
    if (t.number >= 3 && t.number < 6) {
      EXPECT_EQ(t.state, TrialState::Failed);
      EXPECT_EQ(t.error, "fused group: out of memory");
    } else {
      EXPECT_EQ(t.state, t.number == 2 ? TrialState::Failed : TrialState::Complete) << t.error;
    }
  }
}

TEST(FusedRun, APrunedTrialIsRecordedPrunedAndTheOthersComplete) {
  TempDir dir;
  FusingObjective objective;
  const std::vector<TrialSnapshot> trials =
      run_fused(dir, objective, 3, 3, std::make_shared<PruneTrialOne>());
  ASSERT_EQ(trials.size(), 4u);  // the failed trial's budget goes to a fourth, run alone
  EXPECT_EQ(trials[1].state, TrialState::Pruned);
  EXPECT_EQ(trials[1].summary.at("pruned_at_epoch"), 1);
  EXPECT_EQ(trials[1].metrics.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
  EXPECT_EQ(trials[2].state, TrialState::Failed);  // x = 2, on its own
  EXPECT_EQ(trials[0].metrics.size(), 2u);
}

TEST(FusedRun, AnObjectiveThatCannotFuseRunsTrialsAloneWhateverTheFuseSize) {
  TempDir dir;
  StudyOptions options;
  options.trials = 4;
  std::shared_ptr<Storage> storage = open_sqlite_storage(dir.file("study.db"));
  Study study(storage, Space(), std::make_unique<CountingStrategy>(), options);
  RunControl control;
  WorkerSpec worker{0, "cpu", "test/0"};
  worker.fuse = 8;
  int running_at_once = 0;
  auto objective = std::make_shared<testing::FunctionObjective>([&](const Json& c, TrialContext&) {
    TrialQuery running;
    running.states = {TrialState::Running};
    running_at_once = std::max(running_at_once, static_cast<int>(study.trials(running).size()));
    return ObjectiveResult{c.at("x").get<double>(), Json::object()};
  });
  run_study(study, {worker}, [&](const WorkerSpec&) { return objective; }, control, {});
  EXPECT_EQ(running_at_once, 1);  // claimed one at a time
  for (const TrialSnapshot& t : testing::trials_with_metrics(*storage))
    EXPECT_FALSE(t.summary.contains("fused_group"));
}

}  // namespace
}  // namespace tune
