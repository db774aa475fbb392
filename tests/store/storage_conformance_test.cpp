#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "../support/postgres_server.h"
#include "common/error.h"
#include "store/storage.h"
#include "temp_dir.h"

namespace tune {
namespace {

using testing::TempDir;

ClaimRequest request(int number, const Config& params, const std::string& worker = "w",
                     std::optional<int> budget = std::nullopt) {
  ClaimRequest r;
  r.number = number;
  r.params = params;
  r.budget = budget;
  r.device = "cpu";
  r.worker = worker;
  return r;
}

// Claims the next trial for a caller that knows the study has `number` trials.
TrialSnapshot claim_next(Storage& storage, int number, const Config& params = Json::object(),
                         const std::string& worker = "w") {
  ClaimResult result = storage.claim(request(number, params, worker));
  if (result.status != ClaimStatus::Claimed || !result.trial)
    throw std::runtime_error("claim of trial " + std::to_string(number) + " refused");
  return *result.trial;
}

std::vector<int> numbers_of(const std::vector<TrialSnapshot>& trials) {
  std::vector<int> numbers;
  for (const auto& t : trials) numbers.push_back(t.number);
  return numbers;
}

// One storage backend: how a test opens a connection to its own fresh study (each call one
// more connection, as another process would have). A later backend adds one Backend below.
struct Backend {
  std::string name;
  // Skips the test (GTEST_SKIP) where this backend cannot run, fails it where it should and
  // does not; else nothing.
  std::function<void()> require;
  // Opens the study `study` (a name unique to the test) whose files may go in `dir`.
  std::function<std::unique_ptr<Storage>(const TempDir& dir, const std::string& study)> open;
};

const Backend kBackends[] = {
    {"Sqlite", [] {},
     [](const TempDir& dir, const std::string& study) {
       return open_sqlite_storage(dir.file(study + ".db"));
     }},
    {"Postgres", [] { TUNE_REQUIRE_POSTGRES(); },
     [](const TempDir&, const std::string& study) {
       return open_postgres_storage(testing::PostgresServer::get().url(), study);
     }},
};

// How GoogleTest names a backend in its messages.
void PrintTo(const Backend& backend, std::ostream* out) {
  *out << backend.name;
}

// The storage contract (storage.h), checked on every backend.
class StorageConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    GetParam().require();
    if (IsSkipped() || HasFatalFailure()) return;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    study_ = testing::PostgresServer::study_name(test->name());
  }
  // The test's study; open("_other"): another one, in the same backend.
  std::unique_ptr<Storage> open(const std::string& suffix = "") {
    return GetParam().open(dir_, study_ + suffix);
  }

 private:
  TempDir dir_;
  std::string study_;
};

TEST_P(StorageConformance, RoundTripsEveryField) {
  {
    auto storage = open();
    ClaimRequest r = request(0, {{"lr", 0.01}, {"optimizer", "sgd"}}, "host:7/2");
    r.device = "cuda:1";
    ClaimResult claimed = storage->claim(r);
    ASSERT_EQ(claimed.status, ClaimStatus::Claimed);
    ASSERT_TRUE(claimed.trial);
    EXPECT_EQ(claimed.trial->number, 0);
    EXPECT_EQ(claimed.trial->state, TrialState::Running);
    EXPECT_EQ(claimed.trial->params, (Json{{"lr", 0.01}, {"optimizer", "sgd"}}));
    EXPECT_EQ(claimed.trial->device, "cuda:1");
    EXPECT_EQ(claimed.trial->worker, "host:7/2");
    EXPECT_GT(claimed.trial->start_time, 1.6e9);
    storage->report(0, {{"epoch", 1}, {"val_loss", 0.5}}, 0.5);
    storage->report(0, {{"epoch", 2}, {"val_loss", 0.25}}, 0.25);
    Json summary = {{"stop_reason", "early_stopping"}, {"best_epoch", 2}};
    auto finished = storage->finish(0, TrialState::Complete, 0.25, "", summary);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->state, TrialState::Complete);
    EXPECT_EQ(finished->value, 0.25);
    EXPECT_EQ(finished->summary, summary);
    EXPECT_TRUE(finished->metrics.empty());
    storage->set_attr("experiment", {{"name", "x"}, {"trials", 3}});
    storage->set_attr("direction", "minimize");
  }
  auto storage = open();  // a fresh connection reads it back
  auto t = storage->trial(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->number, 0);
  EXPECT_EQ(t->state, TrialState::Complete);
  EXPECT_EQ(t->params, (Json{{"lr", 0.01}, {"optimizer", "sgd"}}));
  ASSERT_TRUE(t->value);
  EXPECT_DOUBLE_EQ(*t->value, 0.25);
  ASSERT_EQ(t->metrics.size(), 2u);
  EXPECT_EQ(t->metrics[1], (Json{{"epoch", 2}, {"val_loss", 0.25}}));
  EXPECT_EQ(t->summary, (Json{{"stop_reason", "early_stopping"}, {"best_epoch", 2}}));
  EXPECT_GT(t->start_time, 1.6e9);
  EXPECT_GE(t->end_time, t->start_time);
  EXPECT_EQ(t->device, "cuda:1");
  EXPECT_EQ(t->worker, "host:7/2");
  EXPECT_EQ(t->error, "");
  EXPECT_EQ(storage->attr("experiment"), (Json{{"name", "x"}, {"trials", 3}}));
  EXPECT_EQ(storage->attr("direction"), Json("minimize"));
  EXPECT_FALSE(storage->attr("missing"));
  EXPECT_FALSE(storage->trial(1));

  auto all = storage->trials({{}, true});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].metrics, t->metrics);
  EXPECT_EQ(all[0].summary, t->summary);
  EXPECT_EQ(all[0].end_time, t->end_time);
}

TEST_P(StorageConformance, KeepsFailureTextAndMissingValue) {
  auto storage = open();
  claim_next(*storage, 0, {{"x", 1}});
  std::string error = "exit status 1: Traceback\n  \xff\xfe bad bytes";
  EXPECT_TRUE(
      storage->finish(0, TrialState::Failed, std::nullopt, error, {{"stderr", "\xff not utf-8"}}));
  auto t = storage->trial(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state, TrialState::Failed);
  EXPECT_FALSE(t->value);
  EXPECT_EQ(t->error, error);
  EXPECT_TRUE(t->summary.contains("stderr"));
}

TEST_P(StorageConformance, ClaimTakesTheNextNumberOnly) {
  auto storage = open();
  EXPECT_EQ(storage->claim(request(1, {{"x", 0}})).status, ClaimStatus::Conflict);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(claim_next(*storage, i, {{"i", i}}).number, i);
  // A caller whose view is stale (it last saw two trials) is told to synchronise, and nothing
  // is inserted.
  ClaimResult stale = storage->claim(request(2, {{"i", 2}}));
  EXPECT_EQ(stale.status, ClaimStatus::Conflict);
  EXPECT_FALSE(stale.trial);
  EXPECT_EQ(storage->claim(request(4, {{"i", 4}})).status, ClaimStatus::Conflict);
  auto all = storage->trials();
  EXPECT_EQ(numbers_of(all), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(all[2].params, (Json{{"i", 2}}));
}

TEST_P(StorageConformance, BudgetCountsRunningCompleteAndPrunedButNotFailed) {
  auto storage = open();
  const int budget = 3;
  auto claim = [&](int number) { return storage->claim(request(number, {}, "w", budget)); };
  ASSERT_EQ(claim(0).status, ClaimStatus::Claimed);
  storage->finish(0, TrialState::Complete, 1.0, "");
  ASSERT_EQ(claim(1).status, ClaimStatus::Claimed);
  storage->finish(1, TrialState::Pruned, 2.0, "");
  ASSERT_EQ(claim(2).status, ClaimStatus::Claimed);
  storage->finish(2, TrialState::Failed, std::nullopt, "boom");  // gives its place back
  ASSERT_EQ(claim(3).status, ClaimStatus::Claimed);              // running: uses the last one
  ClaimResult spent = claim(4);
  EXPECT_EQ(spent.status, ClaimStatus::BudgetSpent);
  EXPECT_FALSE(spent.trial);
  EXPECT_EQ(claim(3).status, ClaimStatus::Conflict);  // a stale number is a conflict first
  storage->fail_running("w", "interrupted");
  EXPECT_EQ(claim(4).status, ClaimStatus::Claimed);
  EXPECT_EQ(storage->claim(request(5, {})).status, ClaimStatus::Claimed);  // no budget
  EXPECT_EQ(storage->trials().size(), 6u);
}

TEST_P(StorageConformance, FinishIsACompareAndSwapFromRunning) {
  auto storage = open();
  claim_next(*storage, 0);
  auto won = storage->finish(0, TrialState::Complete, 1.0, "");
  ASSERT_TRUE(won);
  EXPECT_EQ(won->number, 0);
  EXPECT_EQ(won->state, TrialState::Complete);
  EXPECT_EQ(won->value, 1.0);
  EXPECT_GT(won->end_time, 0);
  EXPECT_FALSE(storage->finish(0, TrialState::Failed, std::nullopt, "late"));
  EXPECT_FALSE(storage->finish(7, TrialState::Complete, 1.0, ""));  // no such trial
  auto t = storage->trial(0);
  EXPECT_EQ(t->state, TrialState::Complete);
  EXPECT_EQ(t->error, "");
  EXPECT_THROW(storage->report(0, {{"epoch", 3}}, 1.0), std::logic_error);
  EXPECT_THROW(storage->report(9, {{"epoch", 3}}, 1.0), std::invalid_argument);
  EXPECT_THROW(storage->finish(0, TrialState::Running, 1.0, ""), std::invalid_argument);
}

TEST_P(StorageConformance, StaleTrialsAreFailedAndFreshOnesKept) {
  auto storage = open();
  claim_next(*storage, 0, {{"x", 0}}, "dead");
  claim_next(*storage, 1, {{"x", 1}}, "alive");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  storage->heartbeat(1);
  EXPECT_EQ(storage->fail_stale(0.2), 1);
  auto dead = storage->trial(0);
  EXPECT_EQ(dead->state, TrialState::Failed);
  EXPECT_NE(dead->error.find("no heartbeat"), std::string::npos);
  EXPECT_EQ(storage->trial(1)->state, TrialState::Running);
  // The dead worker's late result is refused: its trial was already given up.
  EXPECT_FALSE(storage->finish(0, TrialState::Complete, 1.0, ""));
  EXPECT_EQ(storage->fail_stale(0.2), 0);
}

TEST_P(StorageConformance, ReportRefreshesTheHeartbeat) {
  auto storage = open();
  claim_next(*storage, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  storage->report(0, {{"loss", 1.0}}, std::nullopt);
  EXPECT_EQ(storage->fail_stale(0.2), 0);
}

TEST_P(StorageConformance, FailRunningTouchesOnlyThatWorker) {
  auto storage = open();
  claim_next(*storage, 0, {}, "a");
  claim_next(*storage, 1, {}, "b");
  claim_next(*storage, 2, {}, "a");
  storage->finish(2, TrialState::Complete, 3.0, "");
  EXPECT_EQ(storage->fail_running("a", "interrupted"), 1);
  EXPECT_EQ(storage->trial(0)->state, TrialState::Failed);
  EXPECT_EQ(storage->trial(0)->error, "interrupted");
  EXPECT_EQ(storage->trial(1)->state, TrialState::Running);
  EXPECT_EQ(storage->trial(2)->state, TrialState::Complete);
}

TEST_P(StorageConformance, ReportNumbersEpochsFromOneUnlessTheMetricsSayOtherwise) {
  auto storage = open();
  claim_next(*storage, 0);
  claim_next(*storage, 1);
  storage->report(0, {{"loss", 3.0}}, 3.0);                  // epoch 1
  storage->report(1, {{"loss", 9.0}}, 9.0);                  // the other trial's epoch 1
  storage->report(0, {{"loss", 2.0}}, 2.0);                  // epoch 2
  storage->report(0, {{"epoch", 10}, {"loss", 1.0}}, 1.0);   // as the metrics say
  storage->report(0, {{"epoch", "x"}, {"loss", 0.5}}, 0.5);  // not an integer: the 4th report
  auto values = storage->changes_since({}).values;
  ASSERT_EQ(values.size(), 5u);
  std::vector<std::pair<int, int>> epochs;
  for (const auto& v : values) epochs.push_back({v.trial, v.epoch});
  EXPECT_EQ(epochs, (std::vector<std::pair<int, int>>{{0, 1}, {1, 1}, {0, 2}, {0, 10}, {0, 4}}));
  EXPECT_EQ(storage->trial(0)->metrics.size(), 4u);
}

TEST_P(StorageConformance, ChangesSinceReturnsOnlyWhatChangedAfterTheCursor) {
  auto storage = open();
  StudyChanges empty = storage->changes_since({});
  EXPECT_TRUE(empty.trials.empty());
  EXPECT_TRUE(empty.values.empty());

  for (int i = 0; i < 3; ++i) claim_next(*storage, i, {{"x", i}});
  StudyChanges all = storage->changes_since({});
  EXPECT_EQ(numbers_of(all.trials), (std::vector<int>{0, 1, 2}));
  EXPECT_GE(all.cursor.trials, 1);
  for (const auto& t : all.trials) EXPECT_TRUE(t.metrics.empty());
  EXPECT_TRUE(storage->changes_since(all.cursor).trials.empty());

  // Heartbeats and reports change no trial row; their values do show up.
  storage->heartbeat(1);
  storage->report(1, {{"loss", 0.5}}, 0.5);
  storage->report(1, {{"loss", 0.4}}, std::nullopt);  // no objective value: not a value
  storage->report(1, {{"loss", 0.3}}, std::numeric_limits<double>::quiet_NaN());
  storage->report(2, {{"loss", 0.7}}, 0.7);
  StudyChanges reported = storage->changes_since(all.cursor);
  EXPECT_TRUE(reported.trials.empty());
  ASSERT_EQ(reported.values.size(), 2u);
  EXPECT_EQ(reported.values[0].trial, 1);
  EXPECT_EQ(reported.values[0].epoch, 1);
  EXPECT_EQ(reported.values[0].value, 0.5);
  EXPECT_EQ(reported.values[1].trial, 2);
  EXPECT_EQ(reported.values[1].value, 0.7);
  EXPECT_EQ(reported.cursor.trials, all.cursor.trials);
  EXPECT_GT(reported.cursor.values, all.cursor.values);
  EXPECT_TRUE(storage->changes_since(reported.cursor).values.empty());

  // Finishing, failing a stale trial and claiming each bring back the rows they changed.
  storage->finish(2, TrialState::Complete, 0.7, "");
  StudyChanges finished = storage->changes_since(reported.cursor);
  ASSERT_EQ(numbers_of(finished.trials), (std::vector<int>{2}));
  EXPECT_EQ(finished.trials[0].state, TrialState::Complete);
  EXPECT_TRUE(finished.values.empty());
  EXPECT_GT(finished.cursor.trials, reported.cursor.trials);

  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  storage->heartbeat(1);
  EXPECT_EQ(storage->fail_stale(0.2), 1);  // trial 0
  claim_next(*storage, 3);
  StudyChanges failed = storage->changes_since(finished.cursor);
  ASSERT_EQ(numbers_of(failed.trials), (std::vector<int>{0, 3}));
  EXPECT_EQ(failed.trials[0].state, TrialState::Failed);
  EXPECT_EQ(failed.trials[1].state, TrialState::Running);

  storage->fail_running("w", "interrupted");  // trials 1 and 3
  EXPECT_EQ(numbers_of(storage->changes_since(failed.cursor).trials), (std::vector<int>{1, 3}));
  // A losing finish changes nothing.
  ChangeCursor settled = storage->changes_since(failed.cursor).cursor;
  EXPECT_FALSE(storage->finish(1, TrialState::Complete, 1.0, ""));
  EXPECT_TRUE(storage->changes_since(settled).trials.empty());
}

TEST_P(StorageConformance, ChangesShowUpAcrossConnections) {
  auto a = open();
  auto b = open();
  claim_next(*a, 0, {{"x", 0}});
  StudyChanges seen = b->changes_since({});
  ASSERT_EQ(numbers_of(seen.trials), (std::vector<int>{0}));

  // b proposes from its view; a claims first, so b's claim conflicts until it synchronises.
  claim_next(*a, 1, {{"x", 1}});
  a->report(0, {{"loss", 1.5}}, 1.5);
  EXPECT_EQ(b->claim(request(1, {{"x", 1}})).status, ClaimStatus::Conflict);
  StudyChanges update = b->changes_since(seen.cursor);
  ASSERT_EQ(numbers_of(update.trials), (std::vector<int>{1}));
  EXPECT_EQ(update.trials[0].params, (Json{{"x", 1}}));
  ASSERT_EQ(update.values.size(), 1u);
  EXPECT_EQ(update.values[0].value, 1.5);
  claim_next(*b, 2, {{"x", 2}});
  b->finish(0, TrialState::Complete, 1.5, "");  // any connection may finish a trial

  StudyChanges from_b = a->changes_since(update.cursor);
  EXPECT_EQ(numbers_of(from_b.trials), (std::vector<int>{0, 2}));
  EXPECT_EQ(from_b.trials[0].state, TrialState::Complete);
}

TEST_P(StorageConformance, TrialsFiltersByStateAndLoadsMetricsOnRequest) {
  auto storage = open();
  for (int i = 0; i < 5; ++i) {
    claim_next(*storage, i, {{"x", i}});
    for (int epoch = 1; epoch <= i; ++epoch) storage->report(i, {{"epoch", epoch}}, epoch);
  }
  storage->finish(0, TrialState::Complete, 1.0, "");
  storage->finish(1, TrialState::Failed, std::nullopt, "boom");
  storage->finish(2, TrialState::Complete, 2.0, "");
  storage->finish(3, TrialState::Pruned, 3.0, "");

  EXPECT_EQ(numbers_of(storage->trials()), (std::vector<int>{0, 1, 2, 3, 4}));
  for (const auto& t : storage->trials()) EXPECT_TRUE(t.metrics.empty());
  EXPECT_EQ(numbers_of(storage->trials({{TrialState::Complete}})), (std::vector<int>{0, 2}));
  EXPECT_EQ(numbers_of(storage->trials({{TrialState::Running, TrialState::Pruned}})),
            (std::vector<int>{3, 4}));

  auto with = storage->trials({{TrialState::Complete, TrialState::Pruned}, true});
  ASSERT_EQ(numbers_of(with), (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(with[0].metrics.size(), 0u);
  ASSERT_EQ(with[1].metrics.size(), 2u);
  EXPECT_EQ(with[1].metrics[1], (Json{{"epoch", 2}}));
  EXPECT_EQ(with[2].metrics.size(), 3u);
  auto every = storage->trials({{}, true});
  ASSERT_EQ(every.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(every[i].metrics.size(), static_cast<size_t>(i));
}

TEST_P(StorageConformance, BestIsTheBestCompleteTrialWithTheLowerNumberOnTies) {
  auto storage = open();
  EXPECT_FALSE(storage->best(Direction::Minimize));
  const double inf = std::numeric_limits<double>::infinity();
  struct Outcome {
    TrialState state;
    std::optional<double> value;
  };
  const std::vector<Outcome> outcomes = {
      {TrialState::Pruned, -10.0},           // 0: not complete
      {TrialState::Complete, 2.0},           // 1
      {TrialState::Complete, 5.0},           // 2
      {TrialState::Complete, 2.0},           // 3: ties with 1
      {TrialState::Complete, 5.0},           // 4: ties with 2
      {TrialState::Failed, std::nullopt},    // 5
      {TrialState::Complete, std::nullopt},  // 6: no value
      {TrialState::Complete, inf},           // 7: not finite
      {TrialState::Complete, -inf},          // 8: not finite
      {TrialState::Running, std::nullopt},   // 9
  };
  for (int i = 0; i < static_cast<int>(outcomes.size()); ++i) {
    claim_next(*storage, i);
    if (outcomes[i].state != TrialState::Running)
      storage->finish(i, outcomes[i].state, outcomes[i].value, "");
  }
  auto lowest = storage->best(Direction::Minimize);
  ASSERT_TRUE(lowest);
  EXPECT_EQ(lowest->number, 1);
  EXPECT_EQ(lowest->value, 2.0);
  EXPECT_TRUE(lowest->metrics.empty());
  auto highest = storage->best(Direction::Maximize);
  ASSERT_TRUE(highest);
  EXPECT_EQ(highest->number, 2);
  EXPECT_EQ(highest->value, 5.0);
}

// The reads that run at every claim do not grow with the study: after 100 trials of 10 epochs,
// a claim parses no row and an incremental sync parses only what changed. (Each report is a
// durable commit, so a bigger study mostly measures the disk.)
TEST_P(StorageConformance, ClaimAndChangesSinceDoNotReadTheWholeStudy) {
  auto storage = open();
  const int kTrials = 100, kEpochs = 10;
  for (int i = 0; i < kTrials; ++i) {
    claim_next(*storage, i, {{"x", i}});
    for (int epoch = 1; epoch <= kEpochs; ++epoch)
      storage->report(i, {{"epoch", epoch}, {"loss", 1.0 / epoch}}, 1.0 / epoch);
    storage->finish(i, TrialState::Complete, 1.0 / kEpochs, "");
  }
  int64_t before = storage->rows_read();
  StudyChanges everything = storage->changes_since({});
  EXPECT_EQ(everything.trials.size(), static_cast<size_t>(kTrials));
  EXPECT_EQ(everything.values.size(), static_cast<size_t>(kTrials * kEpochs));
  EXPECT_EQ(storage->rows_read() - before, kTrials + kTrials * kEpochs);

  before = storage->rows_read();
  ASSERT_EQ(storage->claim(request(kTrials, {{"x", kTrials}}, "w", kTrials + 1)).status,
            ClaimStatus::Claimed);
  EXPECT_EQ(storage->rows_read() - before, 0);
  storage->report(kTrials, {{"epoch", 1}}, 0.5);
  StudyChanges update = storage->changes_since(everything.cursor);
  EXPECT_EQ(numbers_of(update.trials), (std::vector<int>{kTrials}));
  EXPECT_EQ(update.values.size(), 1u);
  EXPECT_EQ(storage->rows_read() - before, 2);

  before = storage->rows_read();
  EXPECT_EQ(storage->best(Direction::Minimize)->number, 0);
  EXPECT_EQ(storage->finish(kTrials, TrialState::Complete, 0.5, "")->number, kTrials);
  EXPECT_EQ(storage->trials({{TrialState::Running}}).size(), 0u);
  EXPECT_EQ(storage->rows_read() - before, 2);
}

// Workers on separate connections (as separate processes would be) and threads sharing one
// connection each keep their own view of the study, propose "the smallest point nobody holds"
// outside any transaction and claim it for their view's next number, synchronising again on
// a conflict, until the budget is spent. Every number and every point is handed out exactly
// once, and the points are exactly the smallest ones.
TEST_P(StorageConformance, ClaimIsAtomicAcrossConnectionsAndThreads) {
  const int kBudget = 60;
  auto shared = open();
  std::atomic<int> claimed{0}, conflicts{0};
  auto work = [&](Storage& storage, const std::string& name) {
    std::set<int> taken;
    int next = 0;
    ChangeCursor cursor;
    for (;;) {
      StudyChanges changes = storage.changes_since(cursor);
      for (const auto& t : changes.trials) {
        taken.insert(t.params.at("x").get<int>());
        next = std::max(next, t.number + 1);
      }
      cursor = changes.cursor;
      int x = 0;
      while (taken.count(x)) ++x;
      ClaimResult result = storage.claim(request(next, {{"x", x}}, name, kBudget));
      if (result.status == ClaimStatus::BudgetSpent) return;
      if (result.status == ClaimStatus::Conflict) {
        ++conflicts;
        continue;
      }
      ++claimed;
      storage.finish(result.trial->number, TrialState::Complete, x, "");
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      auto own = open();
      work(*own, "own" + std::to_string(i));
    });
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] { work(*shared, "shared" + std::to_string(i)); });
  for (auto& t : threads) t.join();

  EXPECT_EQ(claimed.load(), kBudget);
  auto all = shared->trials();
  ASSERT_EQ(all.size(), static_cast<size_t>(kBudget));
  std::set<int> points, numbers;
  for (const auto& t : all) {
    points.insert(t.params.at("x").get<int>());
    numbers.insert(t.number);
    EXPECT_EQ(t.state, TrialState::Complete);
  }
  EXPECT_EQ(points.size(), static_cast<size_t>(kBudget));
  EXPECT_EQ(*points.rbegin(), kBudget - 1);
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kBudget));
  EXPECT_EQ(*numbers.rbegin(), kBudget - 1);
  RecordProperty("conflicts", conflicts.load());
}

// A reader polling changes_since while writers on other connections claim, report and finish
// ends up with exactly what a full read gives: its cursor skips no row and no value, however the
// writers' transactions interleave and commit.
TEST_P(StorageConformance, ChangesSinceMissesNothingWhileOthersWrite) {
  const int kWriters = 4, kEach = 12;
  std::atomic<int> writing{kWriters};
  auto write = [&](int w) {
    auto storage = open();
    ChangeCursor cursor;
    int next = 0;
    for (int mine = 0; mine < kEach;) {
      StudyChanges changes = storage->changes_since(cursor);
      cursor = changes.cursor;
      for (const auto& t : changes.trials) next = std::max(next, t.number + 1);
      ClaimResult claimed = storage->claim(request(next, {{"w", w}}));
      if (claimed.status != ClaimStatus::Claimed) continue;
      ++mine;
      storage->report(claimed.trial->number, {{"loss", 1.0}}, 1.0);
      storage->finish(claimed.trial->number, TrialState::Complete, 1.0, "");
    }
    --writing;
  };
  std::map<int, TrialState> seen;
  size_t values = 0;
  auto storage = open();
  ChangeCursor cursor;
  auto poll = [&] {
    StudyChanges changes = storage->changes_since(cursor);
    cursor = changes.cursor;
    for (const auto& t : changes.trials) seen[t.number] = t.state;
    values += changes.values.size();
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) writers.emplace_back(write, w);
  while (writing > 0) poll();
  for (auto& t : writers) t.join();
  poll();

  const auto all = storage->trials();
  ASSERT_EQ(all.size(), static_cast<size_t>(kWriters * kEach));
  std::map<int, TrialState> expected;
  for (const auto& t : all) expected[t.number] = t.state;
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(values, static_cast<size_t>(kWriters * kEach));
}

// dump() gives everything a study holds and load() writes it into a new study as it was: what
// `tune copy` moves between backends (tests/cli copies from one backend to the other).
TEST_P(StorageConformance, DumpAndLoadKeepEveryField) {
  auto storage = open();
  for (int i = 0; i < 5; ++i) {
    ClaimRequest r =
        request(i, {{"x", i}, {"name", "n" + std::to_string(i)}}, "host:1/" + std::to_string(i));
    r.device = "cuda:" + std::to_string(i);
    ASSERT_EQ(storage->claim(r).status, ClaimStatus::Claimed);
  }
  storage->report(0, {{"epoch", 1}, {"loss", 0.9}}, 0.9);
  storage->report(0, {{"epoch", 2}, {"loss", 0.5}}, std::nullopt);  // no objective value
  storage->report(1, {{"loss", 3.0}}, 3.0);
  storage->report(3, {{"loss", 4.0}}, 4.0);
  storage->finish(0, TrialState::Complete, 0.5, "", {{"best_epoch", 2}});
  storage->finish(1, TrialState::Pruned, 3.0, "");
  storage->finish(2, TrialState::Failed, std::nullopt, "exit 1: \xff\xfe bad bytes");
  storage->finish(4, TrialState::Complete, -1.5, "");  // 3 stays running
  storage->set_attr("direction", "minimize");
  storage->set_attr("experiment", {{"name", "x"}, {"trials", 5}});

  const StudyRecord record = storage->dump();
  ASSERT_EQ(record.trials.size(), 5u);
  ASSERT_EQ(record.epochs.size(), 4u);
  ASSERT_EQ(record.attrs.size(), 2u);
  auto copy = open("_copy");
  copy->load(record);
  const StudyRecord loaded = copy->dump();
  EXPECT_EQ(loaded.attrs, record.attrs);
  ASSERT_EQ(loaded.trials.size(), record.trials.size());
  for (size_t i = 0; i < record.trials.size(); ++i) {
    const TrialSnapshot &a = record.trials[i], &b = loaded.trials[i];
    EXPECT_EQ(b.number, a.number);
    EXPECT_EQ(b.state, a.state);
    EXPECT_EQ(b.params, a.params);
    EXPECT_EQ(b.value, a.value);
    EXPECT_EQ(b.summary, a.summary);
    EXPECT_EQ(b.start_time, a.start_time);
    EXPECT_EQ(b.end_time, a.end_time);
    EXPECT_EQ(b.device, a.device);
    EXPECT_EQ(b.worker, a.worker);
    EXPECT_EQ(b.error, a.error);
  }
  ASSERT_EQ(loaded.epochs.size(), record.epochs.size());
  for (size_t i = 0; i < record.epochs.size(); ++i) {
    EXPECT_EQ(loaded.epochs[i].trial, record.epochs[i].trial);
    EXPECT_EQ(loaded.epochs[i].epoch, record.epochs[i].epoch);
    EXPECT_EQ(loaded.epochs[i].time, record.epochs[i].time);
    EXPECT_EQ(loaded.epochs[i].data, record.epochs[i].data);
    EXPECT_EQ(loaded.epochs[i].value, record.epochs[i].value);
  }
  EXPECT_EQ(record.epochs[1].value, std::nullopt);
  // The copy reads as the original: its changes, its best, and the next claim's number.
  EXPECT_EQ(copy->changes_since({}).values.size(), 3u);
  EXPECT_EQ(numbers_of(copy->changes_since({}).trials), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(copy->best(Direction::Minimize)->number, 4);
  EXPECT_EQ(copy->trial(0)->metrics.size(), 2u);
  EXPECT_EQ(copy->fail_stale(60), 0);  // the running trial's heartbeat is the loading
  EXPECT_EQ(copy->claim(request(5, {{"x", 5}})).status, ClaimStatus::Claimed);
  EXPECT_THROW(copy->load(record), ConfigError);  // only into a study with no trial
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace tune
