#include "study/study.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "../store/temp_dir.h"
#include "common/error.h"
#include "fakes.h"
#include "prune/pruner.h"
#include "run/listeners.h"
#include "run/run_loop.h"

namespace tune {
namespace {

using testing::CountingStrategy;
using testing::FunctionObjective;
using testing::RunFunction;
using testing::TempDir;

// Trial 0 (x = 0) as a worker of a process that then died holds it.
ClaimRequest dead_claim() {
  ClaimRequest request;
  request.params = {{"x", 0}};
  request.device = "cpu";
  request.worker = "dead:1/0";
  return request;
}

StudyOptions budget(int trials, double stale_after = 30) {
  StudyOptions o;
  o.trials = trials;
  o.stale_after = stale_after;
  return o;
}

std::unique_ptr<Study> open_study(const TempDir& dir, StudyOptions options, int points = 0) {
  return std::make_unique<Study>(open_sqlite_storage(dir.file("study.db")), Space(),
                                 std::make_unique<CountingStrategy>(points), std::move(options));
}

RunSummary run(Study& study, RunFunction f, RunControl& control, int workers = 1,
               const RunOptions& options = {}) {
  std::vector<WorkerSpec> specs;
  for (int i = 0; i < workers; ++i) specs.push_back({i, "cpu", "test/" + std::to_string(i)});
  return run_study(
      study, specs, [&](const WorkerSpec&) { return std::make_unique<FunctionObjective>(f); },
      control, options);
}

RunSummary run(Study& study, RunFunction f, int workers = 1) {
  RunControl control;
  return run(study, std::move(f), control, workers);
}

int count(const std::vector<TrialSnapshot>& trials, TrialState state) {
  int n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

// A trial that runs until the run asks it to stop, then returns a partial value (which must
// not be recorded as complete).
ObjectiveResult until_stopped(TrialContext& ctx) {
  while (!ctx.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return {1.0, Json::object()};
}

void expect_all_failed(const std::vector<TrialSnapshot>& trials, size_t n,
                       const std::string& error) {
  ASSERT_EQ(trials.size(), n);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Failed);
    EXPECT_EQ(t.error, error);
  }
}

std::set<int> complete_points(const std::vector<TrialSnapshot>& trials) {
  std::set<int> points;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete) points.insert(t.params.at("x").get<int>());
  return points;
}

TEST(Study, RunsExactlyTheBudgetAndKnowsTheBest) {
  TempDir dir;
  StudyOptions options = budget(5);
  options.direction = Direction::Maximize;
  auto study = open_study(dir, options);
  RunSummary summary = run(*study, testing::value_of_x);
  EXPECT_EQ(summary.totals.complete, 5);
  EXPECT_EQ(summary.reason, RunControl::Reason::BudgetSpent);
  auto trials = study->trials();
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(complete_points(trials), (std::set<int>{0, 1, 2, 3, 4}));
  ASSERT_TRUE(study->best());
  EXPECT_EQ(study->best()->number, 4);
  EXPECT_DOUBLE_EQ(*study->best()->value, 4.0);
}

TEST(Study, ResumingCountsTheBudgetAcrossRuns) {
  TempDir dir;
  run(*open_study(dir, budget(3)), testing::value_of_x);
  auto study = open_study(dir, budget(5));
  RunSummary summary = run(*study, testing::value_of_x);
  EXPECT_EQ(summary.totals.complete, 2);
  auto trials = study->trials();
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(complete_points(trials).size(), 5u);
  // A third run with the same budget has nothing left to do.
  EXPECT_EQ(run(*open_study(dir, budget(5)), testing::value_of_x).totals.complete, 0);
}

TEST(Study, ThrowingAndNanTrialsFailAndTheStudyGoesOn) {
  TempDir dir;
  auto study = open_study(dir, budget(4));
  std::atomic<int> calls{0};
  RunSummary summary = run(*study, [&](const Json& config, TrialContext&) -> ObjectiveResult {
    int call = calls++;
    if (call == 1) throw std::runtime_error("out of memory on purpose");
    if (call == 2) return {std::numeric_limits<double>::quiet_NaN(), Json::object()};
    return {config.at("x").get<double>(), Json::object()};
  });
  EXPECT_EQ(summary.totals.complete, 4);
  EXPECT_EQ(summary.totals.failed, 2);
  auto trials = study->trials();
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(trials[1].state, TrialState::Failed);
  EXPECT_EQ(trials[1].error, "out of memory on purpose");
  EXPECT_EQ(trials[2].state, TrialState::Failed);
  EXPECT_NE(trials[2].error.find("nan"), std::string::npos);
  EXPECT_FALSE(trials[2].value);
  // Failed points are offered again, so all four points ended complete.
  EXPECT_EQ(complete_points(trials), (std::set<int>{0, 1, 2, 3}));
}

TEST(Study, StopsAfterFiveFailuresInARow) {
  TempDir dir;
  auto study = open_study(dir, budget(50));
  RunSummary summary = run(*study, [](const Json&, TrialContext&) -> ObjectiveResult {
    throw std::runtime_error("bad config");
  });
  EXPECT_EQ(summary.reason, RunControl::Reason::TooManyFailures);
  EXPECT_NE(summary.detail.find("5 trials failed in a row"), std::string::npos);
  EXPECT_NE(summary.detail.find("bad config"), std::string::npos);
  EXPECT_EQ(count(study->trials(), TrialState::Failed), 5);
  EXPECT_FALSE(study->best());
}

TEST(Study, SuccessResetsTheFailureCount) {
  TempDir dir;
  auto study = open_study(dir, budget(3));
  std::atomic<int> calls{0};
  RunSummary summary = run(*study, [&](const Json& config, TrialContext&) -> ObjectiveResult {
    if (calls++ % 5 != 4) throw std::runtime_error("flaky");  // 4 failures, then a success
    return {config.at("x").get<double>(), Json::object()};
  });
  EXPECT_EQ(summary.reason, RunControl::Reason::BudgetSpent);  // never 5 in a row
  EXPECT_EQ(summary.totals.complete, 3);
  EXPECT_EQ(summary.totals.failed, 12);
}

TEST(Study, EndsWhenTheStrategyRunsOut) {
  TempDir dir;
  auto study = open_study(dir, budget(10), /*points=*/3);
  RunSummary summary = run(*study, testing::value_of_x);
  EXPECT_EQ(summary.reason, RunControl::Reason::StrategyDone);
  EXPECT_EQ(summary.totals.complete, 3);
}

TEST(Study, StaleTrialsAreFailedOnOpenAndTheirBudgetReused) {
  TempDir dir;
  {
    auto dead = open_sqlite_storage(dir.file("study.db"));
    dead->claim(dead_claim());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto study = open_study(dir, budget(2, /*stale_after=*/0.2));
  EXPECT_EQ(study->stale_failed_at_open(), 1);
  run(*study, testing::value_of_x);
  auto trials = study->trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_NE(trials[0].error.find("no heartbeat"), std::string::npos);
  EXPECT_EQ(complete_points(trials), (std::set<int>{0, 1}));
}

// The budget is full only because another worker holds a trial: wait until it either
// finishes or goes stale, then use the freed budget.
TEST(Study, WaitsForTrialsRunningElsewhere) {
  TempDir dir;
  auto dead = open_sqlite_storage(dir.file("study.db"));
  dead->claim(dead_claim());
  auto study = open_study(dir, budget(2, /*stale_after=*/0.3));
  EXPECT_EQ(study->stale_failed_at_open(), 0);  // still fresh
  RunSummary summary = run(*study, testing::value_of_x);
  EXPECT_EQ(summary.reason, RunControl::Reason::BudgetSpent);
  auto trials = study->trials();
  EXPECT_EQ(count(trials, TrialState::Complete), 2);
  EXPECT_EQ(count(trials, TrialState::Failed), 1);
}

TEST(Study, HeartbeatKeepsItsOwnLongTrialsAlive) {
  TempDir dir;
  auto study = open_study(dir, budget(1, /*stale_after=*/0.2));
  auto other = open_sqlite_storage(dir.file("study.db"));
  int stale_seen = 0;
  run(*study, [&](const Json& config, TrialContext&) -> ObjectiveResult {
    for (int i = 0; i < 6; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      stale_seen += other->fail_stale(0.2);
    }
    return {config.at("x").get<double>(), Json::object()};
  });
  EXPECT_EQ(stale_seen, 0);
  EXPECT_EQ(study->trial(0)->state, TrialState::Complete);
}

TEST(Study, ReportedEpochsAreStored) {
  TempDir dir;
  auto study = open_study(dir, budget(1));
  run(*study, [](const Json&, TrialContext& ctx) -> ObjectiveResult {
    ctx.report({{"epoch", 1}, {"val_loss", 0.9}});
    ctx.report({{"epoch", 2}, {"val_loss", 0.4}});
    return {0.4, {{"best_epoch", 2}}};
  });
  auto t = study->trial(0);
  ASSERT_EQ(t->metrics.size(), 2u);
  EXPECT_EQ(t->metrics[1].at("val_loss"), 0.4);
  EXPECT_EQ(t->summary.at("best_epoch"), 2);
}

TEST(Study, InterruptLetsTheRunningTrialFinishAndStops) {
  TempDir dir;
  auto study = open_study(dir, budget(10));
  RunControl control;
  RunSummary summary = run(
      *study,
      [&](const Json&, TrialContext& ctx) -> ObjectiveResult {
        control.interrupt();  // Ctrl-C once while the trial runs
        EXPECT_FALSE(ctx.stop_requested());
        return {1.0, Json::object()};
      },
      control);
  EXPECT_EQ(summary.reason, RunControl::Reason::Interrupted);
  auto trials = study->trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Complete);
}

TEST(Study, SecondInterruptStopsRunningTrialsAndFailsThem) {
  TempDir dir;
  auto study = open_study(dir, budget(10));
  RunControl control;
  std::atomic<int> started{0};
  RunSummary summary = run(
      *study,
      [&](const Json&, TrialContext& ctx) -> ObjectiveResult {
        if (++started == 3) {  // Ctrl-C twice while three trials run
          control.interrupt();
          control.stop_trials();
        }
        return until_stopped(ctx);
      },
      control, /*workers=*/3);
  EXPECT_EQ(summary.reason, RunControl::Reason::Interrupted);
  expect_all_failed(study->trials(), 3, "interrupted");
}

TEST(Study, TimeoutStopsHandingOutTrials) {
  TempDir dir;
  auto study = open_study(dir, budget(1000));
  RunControl control;
  control.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
  RunSummary summary = run(
      *study,
      [](const Json& config, TrialContext&) -> ObjectiveResult {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return {config.at("x").get<double>(), Json::object()};
      },
      control);
  EXPECT_EQ(summary.reason, RunControl::Reason::Timeout);
  EXPECT_GE(summary.totals.complete, 2);
  EXPECT_LE(summary.totals.complete, 4);
  EXPECT_EQ(count(study->trials(), TrialState::Running), 0);
}

TEST(Study, ParallelWorkersRunEveryPointOnceAndOverlap) {
  TempDir dir;
  auto study = open_study(dir, budget(24), /*points=*/24);
  std::atomic<int> in_flight{0}, most{0};
  RunSummary summary = run(
      *study,
      [&](const Json& config, TrialContext&) -> ObjectiveResult {
        int now = ++in_flight;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --in_flight;
        return {config.at("x").get<double>(), Json::object()};
      },
      /*workers=*/4);
  EXPECT_EQ(summary.totals.complete, 24);
  auto trials = study->trials();
  EXPECT_EQ(trials.size(), 24u);
  EXPECT_EQ(complete_points(trials).size(), 24u);
  EXPECT_GE(most.load(), 2);
}

TEST(Study, TimeoutCanStopTheRunningTrials) {
  TempDir dir;
  auto study = open_study(dir, budget(100));
  RunControl control;
  control.set_timeout(0.3);
  control.stop_trials_at_deadline = true;
  auto start = std::chrono::steady_clock::now();
  RunSummary summary = run(
      *study, [&](const Json&, TrialContext& ctx) -> ObjectiveResult { return until_stopped(ctx); },
      control, /*workers=*/2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(summary.reason, RunControl::Reason::Timeout);
  expect_all_failed(study->trials(), 2, "stopped at the study timeout");
}

TEST(Study, TimeoutLetsRunningTrialsFinishByDefault) {
  TempDir dir;
  auto study = open_study(dir, budget(100));
  RunControl control;
  control.set_timeout(0.5);  // ample time for both workers to start, even on a busy machine
  RunSummary summary = run(
      *study,
      [](const Json& config, TrialContext&) -> ObjectiveResult {
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        return {config.at("x").get<double>(), Json::object()};
      },
      control, /*workers=*/2);
  EXPECT_EQ(summary.reason, RunControl::Reason::Timeout);
  auto trials = study->trials();
  EXPECT_EQ(trials.size(), 2u);  // one each, begun before the deadline and finished after it
  EXPECT_EQ(count(trials, TrialState::Complete), 2);
}

TEST(Study, ParallelWorkersSpendExactlyTheBudget) {
  TempDir dir;
  auto study = open_study(dir, budget(10));
  RunSummary summary = run(
      *study,
      [](const Json& config, TrialContext&) -> ObjectiveResult {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return {config.at("x").get<double>(), Json::object()};
      },
      /*workers=*/4);
  EXPECT_EQ(summary.reason, RunControl::Reason::BudgetSpent);
  EXPECT_EQ(summary.totals.complete, 10);
  EXPECT_EQ(study->trials().size(), 10u);
  EXPECT_EQ(complete_points(study->trials()).size(), 10u);
}

TEST(Study, ATrialThatThrowsLeavesTheOtherWorkersTrialsIntact) {
  TempDir dir;
  auto study = open_study(dir, budget(12));
  std::atomic<int> after_failure_calls{0};
  RunOptions options;
  options.after_failure = [&](const WorkerSpec&) { ++after_failure_calls; };
  RunControl control;
  RunSummary summary = run(
      *study,
      [](const Json& config, TrialContext& ctx) -> ObjectiveResult {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (ctx.number % 4 == 1)
          throw std::runtime_error("CUDA out of memory (pretend) in trial " +
                                   std::to_string(ctx.number));
        return {config.at("x").get<double>(), Json::object()};
      },
      control, /*workers=*/3, options);
  EXPECT_EQ(summary.reason, RunControl::Reason::BudgetSpent);
  auto trials = study->trials();
  int failed = count(trials, TrialState::Failed);
  EXPECT_GE(failed, 3);
  EXPECT_EQ(count(trials, TrialState::Complete), 12);  // failed trials do not spend the budget
  EXPECT_EQ(summary.totals.failed, failed);
  EXPECT_EQ(after_failure_calls.load(), failed);
  for (const auto& t : trials) {
    if (t.state == TrialState::Failed) {
      EXPECT_EQ(t.number % 4, 1);
      EXPECT_EQ(t.error.rfind("CUDA out of memory (pretend)", 0), 0u) << t.error;
    }
  }
}

TEST(Study, EachWorkerEntersItsEnvironmentOnItsOwnThread) {
  TempDir dir;
  auto study = open_study(dir, budget(12));
  std::mutex mutex;
  std::map<int, std::thread::id> entered;  // slot -> thread
  std::map<std::thread::id, int> ran_on;   // thread -> trials
  std::atomic<int> released{0};
  RunOptions options;
  options.enter_worker = [&](const WorkerSpec& w) -> std::shared_ptr<void> {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_TRUE(entered.emplace(w.slot, std::this_thread::get_id()).second);
    EXPECT_EQ(w.threads, w.slot + 1);
    return std::shared_ptr<void>(nullptr, [&](void*) { ++released; });
  };
  std::vector<WorkerSpec> specs;
  for (int i = 0; i < 3; ++i) specs.push_back({i, "cpu", "test/" + std::to_string(i), i + 1});
  RunControl control;
  FunctionObjective shared([&](const Json& config, TrialContext&) -> ObjectiveResult {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> lock(mutex);
    ++ran_on[std::this_thread::get_id()];
    return {config.at("x").get<double>(), Json::object()};
  });
  std::shared_ptr<Objective> one(&shared, [](Objective*) {});
  run_study(
      *study, specs, [&](const WorkerSpec&) { return one; }, control, options);
  EXPECT_EQ(entered.size(), 3u);
  EXPECT_EQ(released.load(), 3);
  for (const auto& [thread, trials] : ran_on) {
    bool known = false;
    for (const auto& [slot, id] : entered) known = known || id == thread;
    EXPECT_TRUE(known) << "a trial ran on a thread no worker entered";
  }
}

TEST(Study, TellRefusesNonFiniteValuesAndFinishedTrials) {
  TempDir dir;
  auto study = open_study(dir, budget(3));
  auto a = study->ask("cpu", "w").trial;
  auto b = study->ask("cpu", "w").trial;
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(study->tell_complete(a->number, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(study->trial(a->number)->state, TrialState::Failed);
  EXPECT_TRUE(study->tell_pruned(b->number, 0.5));
  EXPECT_EQ(study->trial(b->number)->state, TrialState::Pruned);
  EXPECT_FALSE(study->tell_complete(b->number, 1.0));
}

TEST(Study, ActiveTrialConfigOverlaysBaseParams) {
  TempDir dir;
  StudyOptions options = budget(1);
  options.base_params = {{"epochs", 3}, {"x", 99}};
  auto study = open_study(dir, options);
  auto t = study->ask("cuda:0", "w").trial;
  ASSERT_TRUE(t);
  EXPECT_EQ(t->params, (Json{{"x", 0}}));
  EXPECT_EQ(t->config, (Json{{"epochs", 3}, {"x", 0}}));
  EXPECT_EQ(t->device, "cuda:0");
}

TEST(Study, RankingIgnoresFailedAndNonFiniteValues) {
  std::vector<TrialSnapshot> trials(4);
  for (int i = 0; i < 4; ++i) {
    trials[i].number = i;
    trials[i].state = TrialState::Complete;
  }
  trials[0].value = 3;
  trials[1].value = std::numeric_limits<double>::quiet_NaN();
  trials[2].state = TrialState::Failed;
  trials[3].value = 1;
  auto order = ranked(trials, Direction::Minimize);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].number, 3);
  EXPECT_EQ(best_trial(trials, Direction::Maximize)->number, 0);
  EXPECT_EQ(budget_used(trials), 3);
}

TEST(Study, BestJsonIsWrittenBesideTheDatabase) {
  TempDir dir;
  StudyOptions options = budget(4);
  options.base_params = {{"epochs", 2}};
  auto study = open_study(dir, options);
  RunControl control;
  RunOptions run_options;
  BestFileListener best_file(*study, dir.file("best.json"));
  run_options.listeners.push_back(&best_file);
  run(
      *study,
      [](const Json& config, TrialContext&) -> ObjectiveResult {
        double x = config.at("x").get<double>();
        return {(x - 2) * (x - 2), Json::object()};
      },
      control, 1, run_options);
  std::ifstream in(dir.file("best.json"));
  ASSERT_TRUE(in);
  Json best = Json::parse(in);
  EXPECT_EQ(best.at("number"), 2);
  EXPECT_EQ(best.at("value"), 0.0);
  EXPECT_EQ(best.at("params"), (Json{{"x", 2}}));
  EXPECT_EQ(best.at("config"), (Json{{"epochs", 2}, {"x", 2}}));
  EXPECT_EQ(best.at("direction"), "minimize");
}

// A curve falling towards x over 5 epochs; reports each epoch and stops when pruned.
ObjectiveResult curve_of_x(const Json& config, TrialContext& ctx) {
  const double x = config.at("x").get<double>();
  double value = 0;
  for (int epoch = 1; epoch <= 5; ++epoch) {
    value = x + 1.0 / epoch;
    if (!ctx.report_epoch({{"epoch", epoch}, {"value", value}})) break;
  }
  return {value, Json::object()};
}

TEST(Study, MedianPrunerStopsWorseCurvesAndTheirLastValueIsKept) {
  TempDir dir;
  StudyOptions options = budget(8);
  options.pruner = make_pruner("median", {{"name", "median"}, {"startup_trials", 2}}, "pruner");
  auto study = open_study(dir, options);  // minimise; x = 0, 1, 2...: each trial worse
  RunSummary summary = run(*study, curve_of_x);
  EXPECT_EQ(summary.totals.complete, 2);
  EXPECT_EQ(summary.totals.pruned, 6);
  TrialQuery query;
  query.with_metrics = true;
  for (const auto& t : study->trials(query)) {
    if (t.number < 2) {
      EXPECT_EQ(t.state, TrialState::Complete);
      continue;
    }
    // From trial 2 on, the first epoch is already worse than the median of trials 0 and 1.
    EXPECT_EQ(t.state, TrialState::Pruned) << t.number;
    ASSERT_EQ(t.metrics.size(), 1u) << t.number;
    EXPECT_EQ(t.value, t.number + 1.0);
    EXPECT_EQ(t.summary.at("pruned_at_epoch"), 1);
  }
}

// A strategy sees every trial's stored curve (the values the pruner compares), so it can put a
// pruned trial's partial value on the scale of final ones (bayes does).
TEST(Study, StrategiesSeeTheStoredCurves) {
  struct CurveRecorder : CountingStrategy {
    using CountingStrategy::CountingStrategy;
    std::vector<std::map<int, double>> first_curve;  // trial 0's, at each ask
    std::optional<Config> propose(const ProposalContext& ctx) override {
      first_curve.push_back(ctx.curves ? ctx.curves->curve(0) : std::map<int, double>{});
      return CountingStrategy::propose(ctx);
    }
  };
  TempDir dir;
  auto strategy = std::make_unique<CurveRecorder>(3);
  CurveRecorder* recorder = strategy.get();
  Study study(open_sqlite_storage(dir.file("study.db")), Space(), std::move(strategy), budget(3));
  run(study, curve_of_x);
  ASSERT_EQ(recorder->first_curve.size(), 3u);
  EXPECT_TRUE(recorder->first_curve[0].empty());  // asked before trial 0 ran
  const std::map<int, double> expected = {{1, 1.0}, {2, 0.5}, {3, 1 / 3.0}, {4, 0.25}, {5, 0.2}};
  EXPECT_EQ(recorder->first_curve[1], expected);
  EXPECT_EQ(recorder->first_curve[2], expected);
}

// The study's reads do not grow with the study: after 60 trials of 5 epochs each, one more
// ask, five reports (each asking the pruner) and a tell read only the rows that changed.
TEST(Study, ReadsPerTrialDoNotGrowWithTheStudy) {
  TempDir dir;
  StudyOptions options = budget(61);
  options.pruner = make_pruner("median", {{"name", "median"}, {"startup_trials", 1000}}, "p");
  auto study = open_study(dir, options);
  StudyOptions sixty = options;
  sixty.trials = 60;
  {
    Study first(open_sqlite_storage(dir.file("study.db")), Space(),
                std::make_unique<CountingStrategy>(), sixty);
    run(first, curve_of_x);
  }
  ASSERT_EQ(study->trials().size(), 60u);
  study->budget_used();  // catch up with the 60 trials and their 300 values
  const int64_t before = study->storage().rows_read();
  AskResult ask = study->ask("cpu", "w");
  ASSERT_TRUE(ask.trial);
  for (int epoch = 1; epoch <= 5; ++epoch)
    EXPECT_EQ(study->report(ask.trial->number, {{"epoch", epoch}, {"value", 1.0}}),
              Decision::Continue);
  ASSERT_TRUE(study->tell_complete(ask.trial->number, 1.0));
  const int64_t read = study->storage().rows_read() - before;
  EXPECT_LE(read, 12) << "rows read for one trial in a study of 60 trials and 300 epoch rows";
}

}  // namespace
}  // namespace tune

namespace tune {
namespace {

TEST(RunControl, HugeTimeoutsNeverComeAndNeverOverflow) {
  // 1e10 s and more overflowed the clock's ticks into the past: the study stopped at once.
  for (double seconds : {1e10, 1e30, std::numeric_limits<double>::infinity()}) {
    RunControl control;
    control.set_timeout(seconds);
    EXPECT_FALSE(control.check_deadline()) << seconds;
    EXPECT_EQ(control.reason(), RunControl::Reason::None) << seconds;
  }
  RunControl soon;
  soon.set_timeout(0);
  EXPECT_TRUE(soon.check_deadline());
}

// Virtual memory this process has mapped now, in bytes.
size_t mapped_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  statm >> pages;
  return pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Exit status of a child that runs 256 workers under a memory limit leaving room for a few
// thread stacks only: 0 when run_study threw ConfigError and no trial ran, else a code saying
// what went wrong (an abort shows as a signal).
int run_with_refused_threads(const TempDir& dir) {
  pid_t child = fork();
  if (child == 0) {
    auto study = open_study(dir, budget(1000));
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = mapped_bytes() + (64 << 20);
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
    std::vector<WorkerSpec> specs;
    for (int i = 0; i < 256; ++i) specs.push_back({i, "cpu", "w/" + std::to_string(i)});
    auto objective = std::make_shared<FunctionObjective>(testing::value_of_x);
    RunControl control;
    try {
      run_study(*study, specs, [&](const WorkerSpec&) { return objective; }, control, {});
      _exit(4);  // every thread started: the limit did not bite
    } catch (const ConfigError& e) {
      const bool named = std::string(e.what()).find("refused thread") != std::string::npos;
      _exit(!named ? 5 : study->trials().empty() ? 0 : 6);
    } catch (...) {
      _exit(7);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(RunStudy, ThreadsTheSystemRefusesAreAnErrorAndNoTrialRuns) {
  TempDir dir;
  int code = run_with_refused_threads(dir);
  if (code == 4) GTEST_SKIP() << "the memory limit did not stop any thread here";
  EXPECT_EQ(code, 0) << "5: wrong message, 6: trials ran, 7: another exception, 128+: a signal";
}

}  // namespace
}  // namespace tune
