// Pruning end to end: command objectives that report their learning curve with
// "tune:report <epoch> <value>" lines, pruned by median and ASHA, across kills and processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "../store/temp_dir.h"
#include "common/json.h"
#include "process.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

constexpr int kEpochs = 9;

// A curve falling towards (x - 1)^2 over kEpochs epochs, `sleep` seconds per epoch; the
// program writes its pid to <pids>/<trial> so tests can check it is gone afterwards.
Json curve_objective(const std::string& pids, double sleep = 0.0) {
  std::string code =
      "import os, sys, time\n"
      "x = float(sys.argv[1])\n"
      "open(os.path.join(sys.argv[2], os.environ['TUNE_TRIAL']), 'w').write(str(os.getpid()))\n"
      "for e in range(1, " +
      std::to_string(kEpochs + 1) +
      "):\n"
      "    time.sleep(" +
      std::to_string(sleep) +
      ")\n"
      "    print('tune:report', e, (x - 1) ** 2 + 1.0 / e, flush=True)\n"
      "print((x - 1) ** 2 + 1.0 / " +
      std::to_string(kEpochs) + ")\n";
  return {{"command", {"python3", "-c", code, "{x}", pids}}, {"direction", "minimize"}};
}

Json pruned_experiment(const TempDir& dir, const Json& pruner, double sleep = 0.0) {
  return {{"name", "curves"},
          {"space", {{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}}}},
          {"objective", curve_objective(dir.path(), sleep)},
          {"strategy", "random"},
          {"pruner", pruner},
          {"seed", 5}};
}

std::string write(const TempDir& dir, const Json& experiment) {
  std::ofstream(dir.file("experiment.json")) << experiment.dump(2);
  return dir.file("experiment.json");
}

Finished run_tune(const TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  args.insert(args.begin(), TUNE_BINARY);
  Process p(args, dir.file("prune_run" + std::to_string(runs++)));
  return p.wait();
}

std::vector<TrialSnapshot> trials_of(const std::string& study) {
  TrialQuery query;
  query.with_metrics = true;
  return open_sqlite_storage(study + "/study.db")->trials(query);
}

int count(const std::vector<TrialSnapshot>& trials, TrialState state) {
  int n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

// Every program whose pid was written under `dir` has exited.
void expect_programs_gone(const TempDir& dir, const std::vector<TrialSnapshot>& trials) {
  for (const auto& t : trials) {
    std::ifstream in(dir.file(std::to_string(t.number)));
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) continue;
    EXPECT_EQ(kill(pid, 0), -1) << "trial " << t.number << "'s program " << pid << " still runs";
    EXPECT_EQ(errno, ESRCH);
  }
}

TEST(PruneCli, MedianPrunesCommandsThatReportWorseCurves) {
  TempDir dir;
  Json pruner = {{"name", "median"}, {"startup_trials", 2}};
  std::string config = write(dir, pruned_experiment(dir, pruner));
  Finished f = run_tune(dir, {"--config", config, "--trials", "10", "--study", dir.file("s")});
  ASSERT_EQ(f.code, 0) << f.err;
  auto trials = trials_of(dir.file("s"));
  ASSERT_EQ(trials.size(), 10u);
  EXPECT_GE(count(trials, TrialState::Pruned), 1) << f.err;
  EXPECT_EQ(count(trials, TrialState::Failed), 0) << f.err;
  for (const auto& t : trials) {
    if (t.state == TrialState::Pruned) {
      EXPECT_LT(t.metrics.size(), static_cast<size_t>(kEpochs)) << "pruned early";
      ASSERT_TRUE(t.value) << "a pruned trial keeps its last value";
      EXPECT_DOUBLE_EQ(*t.value, t.metrics.back().at("value").get<double>());
    } else {
      EXPECT_EQ(t.metrics.size(), static_cast<size_t>(kEpochs));
    }
  }
  EXPECT_NE(f.err.find("pruned"), std::string::npos) << f.err;
  expect_programs_gone(dir, trials);
}

TEST(PruneCli, AshaPrunesAtRungsAndStatusAndExportShowIt) {
  TempDir dir;
  // The flag names the pruner the file configures: its options stay (a budget of 9 epochs
  // puts the rungs at 1 and 3).
  Json asha = {{"name", "asha"}, {"max_epochs", kEpochs}};
  std::string config = write(dir, pruned_experiment(dir, asha));
  Finished f = run_tune(dir, {"--config", config, "--trials", "12", "--pruner", "asha",
                              "--cpu-workers", "2", "--study", dir.file("s")});
  ASSERT_EQ(f.code, 0) << f.err;
  auto trials = trials_of(dir.file("s"));
  ASSERT_EQ(trials.size(), 12u);
  const int pruned = count(trials, TrialState::Pruned);
  EXPECT_GE(pruned, 1);
  for (const auto& t : trials)
    if (t.state == TrialState::Pruned) {
      const size_t at = t.metrics.size();
      EXPECT_TRUE(at == 1 || at == 3) << "trial " << t.number << " pruned at epoch " << at;
    }
  Finished status = run_tune(dir, {"status", "--study", dir.file("s")});
  EXPECT_NE(status.out.find(std::to_string(pruned) + " pruned"), std::string::npos) << status.out;
  Finished csv = run_tune(dir, {"export", "--study", dir.file("s"), "--format", "csv"});
  EXPECT_NE(csv.out.find(",pruned,"), std::string::npos) << csv.out;
  // The JSON export keeps a pruned trial's state, last value and its epochs so far.
  Finished json = run_tune(dir, {"export", "--study", dir.file("s"), "--format", "json"});
  int exported_pruned = 0;
  for (const Json& t : Json::parse(json.out)) {
    if (t.at("state") != "pruned") continue;
    ++exported_pruned;
    const Json& metrics = t.at("metrics");
    ASSERT_FALSE(metrics.empty());
    EXPECT_LT(metrics.size(), static_cast<size_t>(kEpochs));
    EXPECT_EQ(t.at("value"), metrics.back().at("value"));
  }
  EXPECT_EQ(exported_pruned, pruned);
  expect_programs_gone(dir, trials);
}

TEST(PruneCli, KilledPrunedStudyResumesWithTheBudgetExactlyOnce) {
  TempDir dir;
  std::string config = write(dir, pruned_experiment(dir, {{"name", "asha"}}, 0.05));
  std::vector<std::string> args = {TUNE_BINARY, "--config",    config,          "--trials", "10",
                                   "--study",   dir.file("s"), "--stale-after", "1"};
  {
    Process p(args, dir.file("killed"));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    p.signal(SIGKILL);
    p.wait();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past --stale-after
  Process again(args, dir.file("resumed"));
  Finished f = again.wait();
  ASSERT_EQ(f.code, 0) << f.err;
  auto trials = trials_of(dir.file("s"));
  EXPECT_EQ(count(trials, TrialState::Complete) + count(trials, TrialState::Pruned), 10);
  EXPECT_EQ(count(trials, TrialState::Running), 0);
  std::set<std::string> configs;
  for (const auto& t : trials)
    if (t.state != TrialState::Failed) configs.insert(t.params.dump());
  EXPECT_EQ(configs.size(), 10u) << "no config ran twice";
}

TEST(PruneCli, ThreeProcessesPruningOneStudyAgree) {
  TempDir dir;
  std::string config =
      write(dir, pruned_experiment(dir, {{"name", "asha"}, {"max_epochs", kEpochs}}, 0.01));
  std::vector<std::unique_ptr<Process>> processes;
  for (int i = 0; i < 3; ++i)
    processes.push_back(std::make_unique<Process>(
        std::vector<std::string>{TUNE_BINARY, "--config", config, "--trials", "15", "--study",
                                 dir.file("s")},
        dir.file("p" + std::to_string(i))));
  for (auto& p : processes) EXPECT_EQ(p->wait().code, 0);
  auto trials = trials_of(dir.file("s"));
  EXPECT_EQ(count(trials, TrialState::Complete) + count(trials, TrialState::Pruned), 15);
  EXPECT_GE(count(trials, TrialState::Pruned), 1);
  std::set<std::string> workers;
  for (const auto& t : trials) {
    workers.insert(t.worker.substr(0, t.worker.find('/')));
    if (t.state != TrialState::Pruned) continue;
    // Every process applied the same rule to the same stored curves: a pruned trial stopped at
    // a rung, and at least one trial that reached that rung beat it there.
    const int rung = static_cast<int>(t.metrics.size());
    EXPECT_TRUE(rung == 1 || rung == 3) << rung;
    const double own = t.metrics.back().at("value").get<double>();
    bool beaten = false;
    for (const auto& other : trials)
      if (other.number != t.number && other.metrics.size() >= static_cast<size_t>(rung))
        beaten = beaten || other.metrics[rung - 1].at("value").get<double>() < own;
    EXPECT_TRUE(beaten) << "trial " << t.number;
  }
  EXPECT_EQ(workers.size(), 3u) << "all three processes ran trials";
}

TEST(PruneCli, UnknownKeysInAnySectionExitTwoNamingThem) {
  TempDir dir;
  struct Case {
    const char* section;
    Json value;
    const char* named;
  };
  const std::vector<Case> cases = {
      {"objective", {{"monitr", "val_loss"}}, "objective.monitr"},
      {"pruner", {{"name", "asha"}, {"min_epoch", 1}}, "pruner.min_epoch"},
      {"pruner", {{"name", "medain"}}, "medain"},
      {"strategy", {{"name", "random"}, {"sead", 1}}, "sead"},
      {"devices", {{"cpu_worker", 2}}, "devices.cpu_worker"},
      {"callbacks", {{"early_stoping", Json::object()}}, "early_stoping"},
      {"space", {{"x", {{"type", "float"}, {"low", 0}, {"hihg", 1}}}}, "hihg"},
  };
  for (const Case& c : cases) {
    Json e = {{"name", "bad"},
              {"data", {{"dataset", "synthetic"}}},
              {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-2}}}}}};
    e[c.section] = c.value;
    std::string config = write(dir, e);
    Finished f = run_tune(dir, {"--config", config, "--trials", "1", "--study", dir.file("s")});
    EXPECT_EQ(f.code, 2) << c.section << ": " << f.err;
    EXPECT_NE(f.err.find(c.named), std::string::npos) << f.err;
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
    EXPECT_FALSE(std::ifstream(dir.file("s") + "/study.db")) << c.section << ": study created";
  }
}

TEST(PruneCli, AnUnknownPrunerFlagIsTheFlagsError) {
  TempDir dir;
  std::string config = write(dir, pruned_experiment(dir, Json::object()));
  Finished f = run_tune(dir, {"--config", config, "--pruner", "medain", "--study", dir.file("s")});
  EXPECT_EQ(f.code, 2);
  EXPECT_EQ(f.err.rfind("tune: error: --pruner: unknown name \"medain\"", 0), 0u) << f.err;
  EXPECT_NE(f.err.find("none, median, percentile, asha, hyperband"), std::string::npos);
  EXPECT_FALSE(std::ifstream(dir.file("s") + "/study.db"));
}

}  // namespace
}  // namespace tune
