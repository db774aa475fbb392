#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "store/storage.h"
#include "temp_dir.h"

namespace tune {
namespace {

using testing::TempDir;

Storage::Chooser fixed(const Config& params) {
  return [params](const std::vector<TrialSnapshot>&, int) { return std::optional<Config>(params); };
}

TEST(SqliteStorage, RoundTripsEveryField) {
  TempDir dir;
  {
    auto storage = open_sqlite_storage(dir.file("study.db"));
    auto t = storage->claim(fixed({{"lr", 0.01}, {"optimizer", "sgd"}}), "cuda:1", "host:7/2");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->number, 0);
    EXPECT_EQ(t->state, TrialState::Running);
    storage->report(0, {{"epoch", 1}, {"val_loss", 0.5}});
    storage->report(0, {{"epoch", 2}, {"val_loss", 0.25}});
    Json summary = {{"stop_reason", "early_stopping"}, {"best_epoch", 2}};
    EXPECT_TRUE(storage->finish(0, TrialState::Complete, 0.25, "", summary));
    storage->set_attr("experiment", {{"name", "x"}, {"trials", 3}});
    storage->set_attr("direction", "minimize");
  }
  auto storage = open_sqlite_storage(dir.file("study.db"));  // a fresh connection reads it back
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

  auto all = storage->trials();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].metrics, t->metrics);
}

TEST(SqliteStorage, KeepsFailureTextAndMissingValue) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  storage->claim(fixed({{"x", 1}}), "cpu", "w");
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

TEST(SqliteStorage, ChooserSeesEveryTrialAndTheNextNumber) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  for (int i = 0; i < 3; ++i) {
    auto t = storage->claim(
        [&](const std::vector<TrialSnapshot>& trials, int number) -> std::optional<Config> {
          EXPECT_EQ(trials.size(), static_cast<size_t>(i));
          EXPECT_EQ(number, i);
          for (const auto& s : trials) EXPECT_EQ(s.state, TrialState::Running);
          return Config{{"i", number}};
        },
        "cpu", "w");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->params.at("i"), i);
  }
}

TEST(SqliteStorage, DecliningOrThrowingChooserInsertsNothing) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  auto none = storage->claim(
      [](const std::vector<TrialSnapshot>&, int) -> std::optional<Config> { return std::nullopt; },
      "cpu", "w");
  EXPECT_FALSE(none);
  EXPECT_THROW(storage->claim([](const std::vector<TrialSnapshot>&,
                                 int) -> std::optional<Config> { throw std::runtime_error("x"); },
                              "cpu", "w"),
               std::runtime_error);
  EXPECT_TRUE(storage->trials().empty());
  EXPECT_TRUE(storage->claim(fixed({}), "cpu", "w"));
  EXPECT_EQ(storage->trials().size(), 1u);
}

TEST(SqliteStorage, FinishIsACompareAndSwapFromRunning) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  storage->claim(fixed({}), "cpu", "w");
  EXPECT_TRUE(storage->finish(0, TrialState::Complete, 1.0, ""));
  EXPECT_FALSE(storage->finish(0, TrialState::Failed, std::nullopt, "late"));
  EXPECT_FALSE(storage->finish(7, TrialState::Complete, 1.0, ""));  // no such trial
  auto t = storage->trial(0);
  EXPECT_EQ(t->state, TrialState::Complete);
  EXPECT_EQ(t->error, "");
  EXPECT_THROW(storage->report(0, {{"epoch", 3}}), std::logic_error);
  EXPECT_THROW(storage->finish(0, TrialState::Running, 1.0, ""), std::invalid_argument);
}

TEST(SqliteStorage, StaleTrialsAreFailedAndFreshOnesKept) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  storage->claim(fixed({{"x", 0}}), "cpu", "dead");
  storage->claim(fixed({{"x", 1}}), "cpu", "alive");
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

TEST(SqliteStorage, ReportRefreshesTheHeartbeat) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  storage->claim(fixed({}), "cpu", "w");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  storage->report(0, {{"loss", 1.0}});
  EXPECT_EQ(storage->fail_stale(0.2), 0);
}

TEST(SqliteStorage, FailRunningTouchesOnlyThatWorker) {
  TempDir dir;
  auto storage = open_sqlite_storage(dir.file("study.db"));
  storage->claim(fixed({}), "cpu", "a");
  storage->claim(fixed({}), "cpu", "b");
  storage->claim(fixed({}), "cpu", "a");
  storage->finish(2, TrialState::Complete, 3.0, "");
  EXPECT_EQ(storage->fail_running("a", "interrupted"), 1);
  EXPECT_EQ(storage->trial(0)->state, TrialState::Failed);
  EXPECT_EQ(storage->trial(0)->error, "interrupted");
  EXPECT_EQ(storage->trial(1)->state, TrialState::Running);
  EXPECT_EQ(storage->trial(2)->state, TrialState::Complete);
}

// Workers on separate connections (as separate processes would be) and threads sharing one
// connection claim "the smallest point nobody holds" until 60 are out: every point and every
// number must be handed out exactly once.
TEST(SqliteStorage, ClaimIsAtomicAcrossConnectionsAndThreads) {
  TempDir dir;
  const int kPoints = 60;
  auto shared = open_sqlite_storage(dir.file("study.db"));
  Storage::Chooser smallest_free = [&](const std::vector<TrialSnapshot>& trials,
                                       int) -> std::optional<Config> {
    std::set<int> taken;
    for (const auto& t : trials) taken.insert(t.params.at("x").get<int>());
    for (int x = 0; x < kPoints; ++x)
      if (!taken.count(x)) return Config{{"x", x}};
    return std::nullopt;
  };
  std::atomic<int> claimed{0};
  auto work = [&](Storage& storage, const std::string& name) {
    while (auto t = storage.claim(smallest_free, "cpu", name)) {
      ++claimed;
      storage.finish(t->number, TrialState::Complete, t->params.at("x").get<double>(), "");
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      auto own = open_sqlite_storage(dir.file("study.db"));
      work(*own, "own" + std::to_string(i));
    });
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] { work(*shared, "shared" + std::to_string(i)); });
  for (auto& t : threads) t.join();

  EXPECT_EQ(claimed.load(), kPoints);
  auto all = shared->trials();
  ASSERT_EQ(all.size(), static_cast<size_t>(kPoints));
  std::set<int> points, numbers;
  for (const auto& t : all) {
    points.insert(t.params.at("x").get<int>());
    numbers.insert(t.number);
    EXPECT_EQ(t.state, TrialState::Complete);
  }
  EXPECT_EQ(points.size(), static_cast<size_t>(kPoints));
  EXPECT_EQ(*numbers.rbegin(), kPoints - 1);
}

}  // namespace
}  // namespace tune
