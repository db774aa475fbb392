// The study commands end to end: the tune binary with command objectives (Python one-liners),
// killed, resumed, shared between processes, exported.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "common/json.h"
#include "process.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

// f(x) = (x - 1)^2 after `sleep` seconds; the last line of stdout is the value.
Json python_objective(double sleep = 0) {
  std::string code = "import sys, time; time.sleep(" + std::to_string(sleep) +
                     "); x = float(sys.argv[1]); print('trying', x); print((x - 1) ** 2)";
  return {{"command", {"python3", "-c", code, "{x}"}}, {"direction", "minimize"}};
}

std::string write_experiment(const TempDir& dir, const Json& experiment,
                             const std::string& name = "experiment.json") {
  std::ofstream(dir.file(name)) << experiment.dump(2);
  return dir.file(name);
}

Json quadratic_experiment(double sleep = 0) {
  return {{"name", "quadratic"},
          {"space", {{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}}}},
          {"objective", python_objective(sleep)},
          {"strategy", {{"name", "random"}}},
          {"seed", 3}};
}

std::vector<std::string> tune(std::vector<std::string> args) {
  args.insert(args.begin(), TUNE_BINARY);
  return args;
}

Finished run_tune(const TempDir& dir, const std::vector<std::string>& args,
                  const std::string& cwd = "") {
  static int runs = 0;
  Process p(tune(args), dir.file("run" + std::to_string(runs++)), cwd);
  return p.wait();
}

std::vector<TrialSnapshot> study_trials(const std::string& study_dir) {
  return open_sqlite_storage(study_dir + "/study.db")->trials();
}

int count(const std::vector<TrialSnapshot>& trials, TrialState state) {
  int n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

std::set<std::string> complete_params(const std::vector<TrialSnapshot>& trials) {
  std::set<std::string> params;
  for (const auto& t : trials)
    if (t.state == TrialState::Complete) params.insert(t.params.dump());
  return params;
}

TEST(StudyCli, CommandObjectiveRunsAndMinimises) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment());
  std::string study = dir.file("study");
  Finished run = run_tune(dir, {"--config", config, "--trials", "6", "--study", study});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("leaderboard"), std::string::npos) << run.err;

  auto trials = study_trials(study);
  ASSERT_EQ(count(trials, TrialState::Complete), 6);
  double lowest = 1e300;
  for (const auto& t : trials) {
    double x = t.params.at("x").get<double>();
    EXPECT_NEAR(*t.value, (x - 1) * (x - 1), 1e-9);
    lowest = std::min(lowest, *t.value);
  }
  Finished best = run_tune(dir, {"best", "--study", study});
  ASSERT_EQ(best.code, 0) << best.err;
  Json json = Json::parse(best.out);
  EXPECT_DOUBLE_EQ(json.at("value").get<double>(), lowest);
  std::ifstream best_file(study + "/best.json");
  ASSERT_TRUE(best_file);
  EXPECT_EQ(Json::parse(best_file).at("number"), json.at("number"));

  Finished status = run_tune(dir, {"status", "--study", study});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("6 complete"), std::string::npos) << status.out;
}

TEST(StudyCli, GridOverTwoCategoricalsRunsEachConfigOnce) {
  TempDir dir;
  Json experiment = {
      {"name", "grid"},
      {"space",
       {{"optimizer", {{"type", "categorical"}, {"choices", {"adam", "sgd"}}}},
        {"activation", {{"type", "categorical"}, {"choices", {"relu", "tanh", "gelu"}}}}}},
      {"objective",
       {{"command",
         {"python3", "-c", "import sys; print(len(sys.argv[1]) * 10 + len(sys.argv[2]))",
          "{optimizer}", "{activation}"}}}},
      {"strategy", "grid"}};
  std::string config = write_experiment(dir, experiment);
  std::string study = dir.file("study");
  Finished run = run_tune(dir, {"--config", config, "--study", study, "--trials", "20"});
  ASSERT_EQ(run.code, 0) << run.err;
  auto trials = study_trials(study);
  EXPECT_EQ(trials.size(), 6u);
  EXPECT_EQ(complete_params(trials).size(), 6u);
  // Rerunning finds the grid done and runs nothing again.
  ASSERT_EQ(run_tune(dir, {"--config", config, "--study", study, "--trials", "20"}).code, 0);
  EXPECT_EQ(study_trials(study).size(), 6u);

  Finished csv = run_tune(dir, {"export", "--study", study, "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_NE(header.find("optimizer"), std::string::npos) << header;
  EXPECT_NE(header.find("activation"), std::string::npos) << header;
  EXPECT_NE(header.find("value"), std::string::npos) << header;
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    EXPECT_NE(line.find(",complete,"), std::string::npos) << line;
  }
  EXPECT_EQ(rows, 6);
  // Params in name order; sgd with gelu scored len("sgd") * 10 + len("gelu").
  EXPECT_NE(csv.out.find(",complete,34.0,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",gelu,sgd,"), std::string::npos) << csv.out;

  std::string json_path = dir.file("trials.json");
  Finished json =
      run_tune(dir, {"export", "--study", study, "--format", "json", "--output", json_path});
  ASSERT_EQ(json.code, 0) << json.err;
  std::ifstream in(json_path);
  Json all = Json::parse(in);
  ASSERT_EQ(all.size(), 6u);
  for (const auto& t : all) {
    EXPECT_EQ(t.at("state"), "complete");
    EXPECT_TRUE(t.at("params").contains("optimizer"));
    EXPECT_TRUE(t.at("params").contains("activation"));
    EXPECT_TRUE(t.at("value").is_number());
    EXPECT_TRUE(t.contains("metrics"));
  }
}

// Killed with SIGKILL mid-trial and rerun: the completed trials are kept as they were, the
// dead one is failed as stale, and the study ends with exactly the budget of distinct trials.
TEST(StudyCli, KilledStudyResumesWithoutLosingOrRepeatingTrials) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment(0.3));
  std::string study = dir.file("study");
  std::vector<std::string> args = {"--config", config, "--trials",      "8",
                                   "--study",  study,  "--stale-after", "1"};
  std::vector<TrialSnapshot> before;
  {
    Process victim(tune(args), dir.file("victim"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!std::ifstream(study + "/study.db")) continue;
      before = study_trials(study);
      // Three complete and the fourth running: kill it mid-trial.
      if (count(before, TrialState::Complete) >= 3 && count(before, TrialState::Running) == 1)
        break;
    }
    victim.signal(SIGKILL);
    EXPECT_EQ(victim.wait().code, 128 + SIGKILL);
  }
  before = study_trials(study);
  ASSERT_GE(count(before, TrialState::Complete), 3);
  ASSERT_EQ(count(before, TrialState::Running), 1);

  Finished rerun = run_tune(dir, args);
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  auto after = study_trials(study);
  EXPECT_EQ(count(after, TrialState::Complete), 8);
  EXPECT_EQ(complete_params(after).size(), 8u);
  EXPECT_EQ(count(after, TrialState::Running), 0);
  for (const auto& t : before) {
    const TrialSnapshot& now = after.at(t.number);
    if (t.state == TrialState::Complete) {
      EXPECT_EQ(now.state, TrialState::Complete);
      EXPECT_EQ(now.params, t.params);
      EXPECT_EQ(now.value, t.value);
      EXPECT_EQ(now.end_time, t.end_time);
    } else if (t.state == TrialState::Running) {
      EXPECT_EQ(now.state, TrialState::Failed);
      EXPECT_NE(now.error.find("no heartbeat"), std::string::npos) << now.error;
    }
  }
}

TEST(StudyCli, FourProcessesShareOneStudy) {
  TempDir dir;
  Json experiment = quadratic_experiment(0.1);
  experiment["space"] = {{"x", {{"type", "int"}, {"low", 0}, {"high", 99}}}};
  std::string config = write_experiment(dir, experiment);
  std::string study = dir.file("study");
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 4; ++i)
    workers.push_back(
        std::make_unique<Process>(tune({"--config", config, "--trials", "12", "--study", study}),
                                  dir.file("worker" + std::to_string(i))));
  std::set<std::string> workers_seen;
  for (auto& w : workers) {
    Finished f = w->wait();
    EXPECT_EQ(f.code, 0) << f.err;
  }
  auto trials = study_trials(study);
  EXPECT_EQ(trials.size(), 12u);
  EXPECT_EQ(count(trials, TrialState::Complete), 12);
  EXPECT_EQ(complete_params(trials).size(), 12u);
  for (const auto& t : trials) workers_seen.insert(t.worker);
  EXPECT_GE(workers_seen.size(), 2u);  // the work was really shared
}

// Starts a study of long trials and waits until `running` trials run at once (and, if
// `complete`, one has finished before).
void wait_for_running(const std::string& study, int running, bool complete) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!std::ifstream(study + "/study.db")) continue;
    auto trials = study_trials(study);
    if ((!complete || count(trials, TrialState::Complete) >= 1) &&
        count(trials, TrialState::Running) == running)
      return;
  }
  FAIL() << "the study never had " << running << " running trials";
}

TEST(StudyCli, FirstInterruptLetsRunningTrialsFinish) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment(1.0));
  std::string study = dir.file("study");
  Process p(tune({"--config", config, "--trials", "50", "--study", study, "--cpu-workers", "2"}),
            dir.file("int"));
  wait_for_running(study, 2, /*complete=*/false);
  p.signal(SIGINT);
  Finished f = p.wait();
  EXPECT_EQ(f.code, 130) << f.err;
  EXPECT_NE(f.err.find("running ones finish"), std::string::npos) << f.err;
  auto trials = study_trials(study);
  EXPECT_EQ(trials.size(), 2u);  // no trial started after Ctrl-C
  EXPECT_EQ(count(trials, TrialState::Complete), 2) << f.err;
}

TEST(StudyCli, SecondInterruptStopsRunningTrialsAndKeepsTheRest) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment(0.5));
  std::string study = dir.file("study");
  Process p(tune({"--config", config, "--trials", "50", "--study", study}), dir.file("int"));
  wait_for_running(study, 1, /*complete=*/true);
  p.signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  p.signal(SIGINT);
  Finished f = p.wait();
  EXPECT_EQ(f.code, 130) << f.err;
  auto trials = study_trials(study);
  EXPECT_GE(count(trials, TrialState::Complete), 1);
  EXPECT_EQ(count(trials, TrialState::Running), 0);
  EXPECT_EQ(trials.back().state, TrialState::Failed);
  EXPECT_EQ(trials.back().error, "interrupted");
}

TEST(StudyCli, TerminateStopsRunningTrialsAtOnce) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment(30));
  std::string study = dir.file("study");
  Process p(tune({"--config", config, "--trials", "5", "--study", study, "--cpu-workers", "2"}),
            dir.file("term"));
  wait_for_running(study, 2, /*complete=*/false);
  auto start = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  Finished f = p.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(f.code, 143) << f.err;  // 128 + SIGTERM, unlike Ctrl-C's 130
  auto trials = study_trials(study);
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::Failed);
    EXPECT_EQ(t.error, "interrupted");
  }
}

// A study whose one trial program writes its pid to program.pid and its background child's
// to child.pid, and ignores SIGTERM (so that only SIGKILL or its keeper ends it).
Json pid_writing_experiment(const TempDir& dir) {
  std::string script =
      "echo $$ > \"$1\"; (trap '' TERM; exec sleep 100) & echo $! > \"$2\"; trap '' TERM; "
      "sleep 100; echo 1";
  Json e = quadratic_experiment();
  e["objective"] = {
      {"command", {"/bin/sh", "-c", script, "sh", dir.file("program.pid"), dir.file("child.pid")}}};
  return e;
}

// Starts tune on pid_writing_experiment and runs `stop` on it once the program and its child
// are running; then both must end shortly after tune does.
void expect_no_orphans(const std::function<void(Process&)>& stop, int expected_code) {
  TempDir dir;
  std::string config = write_experiment(dir, pid_writing_experiment(dir));
  Process p(tune({"--config", config, "--trials", "1", "--study", dir.file("study")}),
            dir.file("orphans"));
  pid_t program = testing::wait_for_pid_file(dir.file("program.pid"));
  pid_t child = testing::wait_for_pid_file(dir.file("child.pid"));
  ASSERT_GT(program, 0);
  ASSERT_GT(child, 0);
  stop(p);
  Finished f = p.wait();
  EXPECT_EQ(f.code, expected_code) << f.err;
  EXPECT_TRUE(testing::wait_ended(program, 5)) << "the trial program outlived tune";
  EXPECT_TRUE(testing::wait_ended(child, 5)) << "the program's background child outlived tune";
}

TEST(StudyCli, TrialProgramsDieWithTuneKilledBySigkill) {
  expect_no_orphans([](Process& p) { p.signal(SIGKILL); }, 128 + SIGKILL);
}

TEST(StudyCli, TrialProgramsDieWithTuneAfterAThirdCtrlC) {
  // The second Ctrl-C sends SIGTERM, which the program ignores; the third, within the 2 s
  // before SIGKILL, makes tune exit at once.
  auto interrupt_thrice = [](Process& p) {
    for (int i = 0; i < 3; ++i) {
      p.signal(SIGINT);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  expect_no_orphans(interrupt_thrice, 128 + SIGINT);
}

TEST(StudyCli, TrialProgramsEndWithSigterm) {
  expect_no_orphans([](Process& p) { p.signal(SIGTERM); }, 128 + SIGTERM);
}

TEST(StudyCli, CpuWorkersRunTrialsTwoAtATime) {
  TempDir dir;
  std::string study = dir.file("study");
  Finished f = run_tune(dir, {"--config", write_experiment(dir, quadratic_experiment(0.4)),
                              "--trials", "6", "--study", study, "--cpu-workers", "2"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.err.find("2 workers (2 on cpu)"), std::string::npos) << f.err;
  Finished status = run_tune(dir, {"status", "--study", study});
  EXPECT_NE(status.out.find("cpu: 6 trials, 2 workers"), std::string::npos) << status.out;
  auto trials = study_trials(study);
  ASSERT_EQ(count(trials, TrialState::Complete), 6);
  std::set<std::string> workers;
  for (const auto& t : trials) workers.insert(t.worker);
  EXPECT_EQ(workers.size(), 2u);
  int overlapping = 0;  // pairs of trials that ran at the same time
  for (size_t i = 0; i < trials.size(); ++i)
    for (size_t j = i + 1; j < trials.size(); ++j)
      overlapping +=
          trials[i].start_time < trials[j].end_time && trials[j].start_time < trials[i].end_time;
  EXPECT_GE(overlapping, 2);
}

TEST(StudyCli, FuseTrainsGroupsAndStatusShowsThem) {
  TempDir dir;
  const std::string study = dir.file("study");
  const Json experiment = {
      {"name", "fused"},
      {"data", {{"dataset", "synthetic"}, {"samples", 300}, {"features", 6}, {"classes", 3}}},
      {"params", {{"model", "mlp"}, {"units", 8}, {"epochs", 2}, {"batch_size", 32}}},
      {"objective", {{"monitor", "val_accuracy"}}},
      {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-1}, {"log", true}}}}},
      {"seed", 2}};
  Finished f = run_tune(dir, {"--config", write_experiment(dir, experiment), "--trials", "8",
                              "--study", study, "--fuse", "4"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.err.find("fused groups of up to 4"), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("fused group of 4: trials 0, 1, 2, 3"), std::string::npos) << f.err;
  Finished status = run_tune(dir, {"status", "--study", study});
  EXPECT_NE(status.out.find("fused groups: 2 (size 4 x2), 8 of 8 trials"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find(" trials/s"), std::string::npos) << status.out;
  // A command objective never fuses: --fuse changes nothing.
  const std::string commands = dir.file("commands");
  f = run_tune(dir, {"--config", write_experiment(dir, quadratic_experiment(), "q.json"),
                     "--trials", "4", "--study", commands, "--fuse", "4"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(f.err.find("fused"), std::string::npos) << f.err;
  status = run_tune(dir, {"status", "--study", commands});
  EXPECT_EQ(status.out.find("fused groups"), std::string::npos) << status.out;
}

TEST(StudyCli, CpuKernelsChooseWhichKernelsTrialsTrainWith) {
  TempDir dir;
  const Json experiment = {
      {"name", "kernels"},
      {"data", {{"dataset", "synthetic"}, {"samples", 300}, {"features", 6}, {"classes", 3}}},
      {"params",
       {{"model", "mlp"}, {"units", 16}, {"dropout", 0.3}, {"epochs", 3}, {"batch_size", 32}}},
      {"objective", {{"monitor", "val_loss"}, {"direction", "minimize"}}},
      {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-1}, {"log", true}}}}},
      {"seed", 2}};
  const std::string config = write_experiment(dir, experiment);
  auto value = [&](const std::string& study, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--config", config, "--trials", "1", "--study", study};
    args.insert(args.end(), extra.begin(), extra.end());
    Finished f = run_tune(dir, args);
    EXPECT_EQ(f.code, 0) << f.err;
    auto trials = study_trials(study);
    return trials.size() == 1 && trials[0].value ? *trials[0].value : -1.0;
  };
  const double tuned = value(dir.file("a"), {});
  EXPECT_EQ(value(dir.file("b"), {"--cpu-kernels", "tuned"}), tuned);  // repeatable
  // LibTorch's kernels draw other dropout masks: another trajectory, as repeatable.
  const double libtorch = value(dir.file("c"), {"--cpu-kernels", "libtorch"});
  EXPECT_NE(libtorch, tuned);
  EXPECT_EQ(value(dir.file("d"), {"--cpu-kernels", "libtorch"}), libtorch);
}

TEST(StudyCli, DevicesComeFromTheConfigAndFlagsOverrideThem) {
  TempDir dir;
  Json experiment = quadratic_experiment();
  experiment["devices"] = {{"cpu_workers", 3}};
  std::string config = write_experiment(dir, experiment);
  Finished from_file =
      run_tune(dir, {"--config", config, "--trials", "3", "--study", dir.file("a")});
  ASSERT_EQ(from_file.code, 0) << from_file.err;
  EXPECT_NE(from_file.err.find("3 workers (3 on cpu)"), std::string::npos) << from_file.err;
  Finished flag = run_tune(dir, {"--config", config, "--trials", "3", "--study", dir.file("b"),
                                 "--cpu-workers", "1", "--per-device", "2"});
  ASSERT_EQ(flag.code, 0) << flag.err;
  EXPECT_NE(flag.err.find("1 worker (1 on cpu)"), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("--per-device counts trials per GPU"), std::string::npos) << flag.err;
}

TEST(StudyCli, TimeoutEitherLetsTrialsFinishOrStopsThem) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment(1.5));
  Finished finish = run_tune(dir, {"--config", config, "--trials", "10", "--study",
                                   dir.file("finish"), "--timeout", "0.5"});
  ASSERT_EQ(finish.code, 0) << finish.err;
  auto finished = study_trials(dir.file("finish"));
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].state, TrialState::Complete);

  // A 20 s trial, stopped at 0.5 s: the run ends long before the trial would have.
  std::string long_trial = write_experiment(dir, quadratic_experiment(20), "long.json");
  auto start = std::chrono::steady_clock::now();
  Finished stop = run_tune(dir, {"--config", long_trial, "--trials", "10", "--study",
                                 dir.file("stop"), "--timeout", "0.5", "--on-timeout", "stop"});
  ASSERT_EQ(stop.code, 0) << stop.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  auto stopped = study_trials(dir.file("stop"));
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_EQ(stopped[0].state, TrialState::Failed);
  EXPECT_EQ(stopped[0].error, "stopped at the study timeout");
}

TEST(StudyCli, BadDeviceAndSchedulingFlagsExitTwoBeforeAnyTrial) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment());
  auto refused = [&](std::vector<std::string> flags, const std::string& expected) {
    std::vector<std::string> args = {"--config", config, "--trials", "2", "--study", dir.file("s")};
    args.insert(args.end(), flags.begin(), flags.end());
    Finished f = run_tune(dir, args);
    EXPECT_EQ(f.code, 2) << f.err;
    EXPECT_NE(f.err.find(expected), std::string::npos) << f.err;
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
  };
  // No CUDA here ("no CUDA device"), or a GPU machine without GPU 99: one line either way.
  refused({"--gpus", "0,99"}, "--gpus 0,99");
  refused({"--gpus", "zero"}, "--gpus");
  refused({"--per-device", "0"}, "--per-device");
  refused({"--cpu-workers=-1"}, "--cpu-workers");
  refused({"--on-timeout", "later"}, "finish, stop");
  refused({"--retry-oom"}, "runs a command");
  EXPECT_FALSE(std::ifstream(dir.file("s") + "/study.db")) << "no study before the checks pass";
}

TEST(StudyCli, ConsecutiveFailuresStopTheStudy) {
  TempDir dir;
  Json experiment = quadratic_experiment();
  experiment["objective"]["command"] = {"python3", "-c", "import sys; sys.exit('broken')"};
  std::string study = dir.file("study");
  Finished f = run_tune(
      dir, {"--config", write_experiment(dir, experiment), "--trials", "20", "--study", study});
  EXPECT_EQ(f.code, 1) << f.err;
  EXPECT_NE(f.err.find("5 trials failed in a row"), std::string::npos) << f.err;
  EXPECT_EQ(count(study_trials(study), TrialState::Failed), 5);
}

TEST(StudyCli, SamplePrintsConfigsFromTheSpaceWithoutTraining) {
  TempDir dir;
  Json experiment = quadratic_experiment();
  experiment["space"]["act"] = {{"type", "categorical"}, {"choices", {"relu", "tanh"}}};
  std::string config = write_experiment(dir, experiment);
  Finished f = run_tune(dir, {"sample", "--config", config, "--n", "5", "--seed", "4"});
  ASSERT_EQ(f.code, 0) << f.err;
  std::istringstream lines(f.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    Json c = Json::parse(line);
    EXPECT_GE(c.at("x").get<double>(), -4.0);
    EXPECT_LE(c.at("x").get<double>(), 4.0);
    EXPECT_TRUE(c.at("act") == "relu" || c.at("act") == "tanh") << line;
    EXPECT_EQ(c.size(), 2u);  // searched parameters only
    ++n;
  }
  EXPECT_EQ(n, 5);
  EXPECT_EQ(run_tune(dir, {"sample", "--config", config, "--n", "5", "--seed", "4"}).out, f.out);
  EXPECT_EQ(run_tune(dir, {"sample", "--config", config, "--n", "0"}).code, 2);
  Finished grid = run_tune(dir, {"sample", "--config", config, "--strategy", "grid"});
  EXPECT_EQ(grid.code, 2) << grid.err;  // a float without steps has no grid
  EXPECT_NE(grid.err.find("x"), std::string::npos) << grid.err;
}

// Each config `tune sample` prints for the Optuna example's file lies in the example's space:
// 1-3 layers, each with its own width (4-128) and dropout (0.2-0.5), none for absent layers.
void expect_optuna_example_configs(const std::string& out, int expected) {
  std::istringstream lines(out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    Json c = Json::parse(line);
    const int64_t layers = c.at("layers").get<int64_t>();
    EXPECT_GE(layers, 1) << line;
    EXPECT_LE(layers, 3) << line;
    for (int64_t i = 0; i < 3; ++i) {
      const std::string units = "units_" + std::to_string(i), drop = "dropout_" + std::to_string(i);
      EXPECT_EQ(c.contains(units), i < layers) << line;
      EXPECT_EQ(c.contains(drop), i < layers) << line;
      if (i >= layers) continue;
      EXPECT_TRUE(c.at(units).is_number_integer()) << line;
      EXPECT_GE(c.at(units).get<int64_t>(), 4) << line;
      EXPECT_LE(c.at(units).get<int64_t>(), 128) << line;
      EXPECT_GE(c.at(drop).get<double>(), 0.2) << line;
      EXPECT_LE(c.at(drop).get<double>(), 0.5) << line;
    }
    const std::string optimizer = c.at("optimizer");
    EXPECT_TRUE(optimizer == "adam" || optimizer == "rmsprop" || optimizer == "sgd") << line;
    EXPECT_GE(c.at("lr").get<double>(), 1e-5) << line;
    EXPECT_LE(c.at("lr").get<double>(), 1e-1) << line;
    EXPECT_EQ(c.size(), 3u + 2 * static_cast<size_t>(layers)) << line;
    ++n;
  }
  EXPECT_EQ(n, expected);
}

TEST(StudyCli, OptunaExampleConfigSamplesTheExamplesSpace) {
  TempDir dir;
  const std::string config = std::string(TUNE_SOURCE_DIR) + "/configs/optuna_pytorch_simple.json";
  for (const char* strategy : {"random", "bayes", "tpe"}) {
    Finished f = run_tune(dir, {"sample", "--config", config, "--n", "20", "--strategy", strategy});
    ASSERT_EQ(f.code, 0) << strategy << ": " << f.err;
    expect_optuna_example_configs(f.out, 20);
  }
}

TEST(StudyCli, OptunaExportWritesANewFileNamedByOutput) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment());
  std::string study = dir.file("study");
  ASSERT_EQ(run_tune(dir, {"--config", config, "--study", study, "--trials", "2"}).code, 0);

  Finished missing = run_tune(dir, {"export", "--study", study, "--format", "optuna"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--output"), std::string::npos) << missing.err;
  Finished unknown = run_tune(dir, {"export", "--study", study, "--format", "xml"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("allowed: csv, json, optuna"), std::string::npos) << unknown.err;

  std::string path = dir.file("optuna.db");
  Finished written =
      run_tune(dir, {"export", "--study", study, "--format", "optuna", "--output", path});
  ASSERT_EQ(written.code, 0) << written.err;
  EXPECT_NE(written.err.find("2 trials"), std::string::npos) << written.err;
  EXPECT_NE(written.err.find("\"quadratic\""), std::string::npos) << written.err;
  const std::string bytes = testing::file_bytes(path);
  EXPECT_EQ(bytes.rfind("SQLite format 3", 0), 0u);

  // An existing file is never overwritten, an earlier export included.
  Finished again =
      run_tune(dir, {"export", "--study", study, "--format", "optuna", "--output", path});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("\"" + path + "\" already exists"), std::string::npos) << again.err;
  EXPECT_EQ(testing::file_bytes(path), bytes);
}

TEST(StudyCli, BadInputExitsTwoWithOneLine) {
  TempDir dir;
  Finished missing = run_tune(dir, {"status", "--study", dir.file("nowhere")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nowhere"), std::string::npos) << missing.err;
  EXPECT_EQ(run_tune(dir, {"best", "--study", dir.file("nowhere")}).code, 2);
  EXPECT_EQ(run_tune(dir, {"export", "--study", dir.file("nowhere"), "--format", "csv"}).code, 2);
  EXPECT_EQ(run_tune(dir, {"status"}).code, 2);

  std::string config = write_experiment(dir, quadratic_experiment());
  EXPECT_EQ(run_tune(dir, {"--config", config, "--trials", "many"}).code, 2);
  EXPECT_EQ(run_tune(dir, {"--config", config, "--strategy", "nope"}).code, 2);
  EXPECT_EQ(run_tune(dir, {"--config", config, "--set", "noequals"}).code, 2);
  Finished no_config = run_tune(dir, {"--trials", "1"}, /*cwd=*/dir.path());
  EXPECT_EQ(no_config.code, 2);
  EXPECT_NE(no_config.err.find("configs/fashion_mlp.json"), std::string::npos) << no_config.err;
}

TEST(StudyCli, SetFixesAParameter) {
  TempDir dir;
  std::string config = write_experiment(dir, quadratic_experiment());
  std::string study = dir.file("study");
  Finished f =
      run_tune(dir, {"--config", config, "--trials", "2", "--study", study, "--set", "x=1.5"});
  ASSERT_EQ(f.code, 0) << f.err;
  Finished best = run_tune(dir, {"best", "--study", study});
  ASSERT_EQ(best.code, 0) << best.err;
  Json json = Json::parse(best.out);
  EXPECT_EQ(json.at("config").at("x"), 1.5);
  EXPECT_DOUBLE_EQ(json.at("value").get<double>(), 0.25);
}

}  // namespace
}  // namespace tune
