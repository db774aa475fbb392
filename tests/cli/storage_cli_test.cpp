// tune with --storage, end to end: worker processes sharing one PostgreSQL study while they are
// killed and restarted, the read commands, what is printed of the URL, and an SQLite file named
// by URL. PostgreSQL runs on the throwaway server of tests/support/postgres_server.h.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "../support/postgres_server.h"
#include "common/error.h"
#include "common/json.h"
#include "process.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::Finished;
using testing::PostgresServer;
using testing::Process;
using testing::TempDir;

// A password the trust-authenticated test server ignores: it must never be printed.
constexpr const char* kPassword = "hunter2";

// The test server's URL with kPassword in it.
std::string url_with_password() {
  std::string url = PostgresServer::get().url();  // postgresql://tune@127.0.0.1:PORT/postgres
  return url.replace(url.find("tune@"), 5, std::string("tune:") + kPassword + "@");
}

std::vector<std::string> tune(std::vector<std::string> args) {
  args.insert(args.begin(), TUNE_BINARY);
  return args;
}

std::string write_experiment(const TempDir& dir) {
  // f(x) = (x - 1)^2 from a program that starts and ends at once.
  const std::string code = "import sys; x = int(sys.argv[1]); print((x - 1) ** 2)";
  Json experiment = {
      {"name", "pg"},
      {"space", {{"x", {{"type", "int"}, {"low", 0}, {"high", 999}}}}},
      {"objective", {{"command", {"python3", "-c", code, "{x}"}}, {"direction", "minimize"}}},
      {"strategy", {{"name", "random"}}},
      {"seed", 5}};
  std::ofstream(dir.file("experiment.json")) << experiment.dump(2);
  return dir.file("experiment.json");
}

int count(const std::vector<TrialSnapshot>& trials, TrialState state) {
  int n = 0;
  for (const auto& t : trials) n += t.state == state;
  return n;
}

// Three workers on one study with --trials 30, each killed with SIGKILL once at a random moment
// and started again: the study ends with exactly 30 distinct complete trials, the killed
// workers' trials failed as stale and run again by someone, none twice.
TEST(PostgresCli, ThreeWorkersKilledAndRestartedEndWithExactlyTheBudget) {
  TUNE_REQUIRE_POSTGRES();
  TempDir dir;
  const std::string config = write_experiment(dir);
  const std::string name = PostgresServer::study_name("three_workers");
  const std::string url = url_with_password();
  const std::vector<std::string> args = {
      "--config",  config, "--trials",      "30", "--study", dir.file(name),
      "--storage", url,    "--stale-after", "1"};
  int runs = 0;
  auto start = [&] {
    return std::make_unique<Process>(tune(args), dir.file("worker" + std::to_string(runs++)));
  };
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 3; ++i) workers.push_back(start());
  std::mt19937 random(15);
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 700)(random)));
    workers[i]->signal(SIGKILL);
    workers[i]->wait();
    workers[i] = start();
  }
  for (auto& w : workers) {
    Finished f = w->wait();
    EXPECT_EQ(f.code, 0) << f.err;
  }

  auto trials = open_postgres_storage_readonly(url, name)->trials();
  EXPECT_EQ(count(trials, TrialState::Complete), 30);
  EXPECT_EQ(count(trials, TrialState::Running), 0);
  std::set<std::string> points;
  std::set<int> numbers;
  for (const auto& t : trials) {
    numbers.insert(t.number);
    if (t.state == TrialState::Complete) points.insert(t.params.dump());
    if (t.state == TrialState::Failed) {  // only the killed workers' trials fail
      EXPECT_NE(t.error.find("no heartbeat"), std::string::npos) << t.error;
    }
  }
  EXPECT_EQ(points.size(), 30u);
  EXPECT_EQ(numbers.size(), trials.size());
  RecordProperty("failed", count(trials, TrialState::Failed));

  // The read commands find the study by its name; best.json went to the worker's directory.
  Process status(tune({"status", "--study", name, "--storage", url}), dir.file("status"));
  Finished shown = status.wait();
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("30"), std::string::npos) << shown.out;
  Process exported(tune({"export", "--study", name, "--storage", url}), dir.file("export"));
  Finished json = exported.wait();
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out).size(), trials.size());
  Process report(tune({"report", "--study", name, "--storage", url}), dir.file("report"),
                 dir.path());
  Finished reported = report.wait();
  EXPECT_EQ(reported.code, 0) << reported.err;
  EXPECT_TRUE(std::ifstream(dir.file(name + "/report.html")));
  EXPECT_TRUE(std::ifstream(dir.file(name + "/best.json")));
  EXPECT_FALSE(std::ifstream(dir.file(name + "/study.db")));  // the trials are on the server

  // The password never shows: not in any output, not in best.json, not in the stored study.
  std::vector<std::string> files = {dir.file(name + "/best.json")};
  for (int i = 0; i < runs; ++i) {
    files.push_back(dir.file("worker" + std::to_string(i) + ".err"));
    files.push_back(dir.file("worker" + std::to_string(i) + ".out"));
  }
  for (const auto& file : files)
    EXPECT_EQ(testing::file_bytes(file).find(kPassword), std::string::npos) << file;
  const std::string last_log = dir.file("worker" + std::to_string(runs - 1) + ".err");
  EXPECT_NE(testing::file_bytes(last_log).find("tune:***@"), std::string::npos) << last_log;
  EXPECT_EQ(json.out.find(kPassword), std::string::npos);
}

TEST(StorageCli, BadStorageExitsTwoWithOneLineAndNoPassword) {
  TempDir dir;
  const std::string config = write_experiment(dir);
  auto run = [&](std::vector<std::string> args, const std::string& name) {
    Process p(tune(std::move(args)), dir.file(name));
    return p.wait();
  };
  Finished unknown =
      run({"--config", config, "--storage", "mysql://ann:s3cret@host/db"}, "unknown");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("--storage"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("postgresql://"), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.err.find("s3cret"), std::string::npos) << unknown.err;
  Json in_file = Json::parse(testing::file_bytes(config));
  in_file["storage"] = "sqlite://relative.db";
  std::ofstream(dir.file("in_file.json")) << in_file.dump();
  Finished field = run({"--config", dir.file("in_file.json")}, "field");
  EXPECT_EQ(field.code, 2);
  EXPECT_NE(field.err.find("in_file.json: storage: "), std::string::npos) << field.err;

  const std::string refused = "postgresql://ann:s3cret@127.0.0.1:1/db";  // nothing listens
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--config", config, "--study", dir.file("s"), "--storage", refused},
           {"status", "--study", "s", "--storage", refused},
           {"best", "--study", "s", "--storage", refused},
           {"export", "--study", "s", "--storage", refused}}) {
    Finished f = run(args, "refused");
    EXPECT_EQ(f.code, 2) << args[0];
    EXPECT_NE(f.err.find("cannot connect"), std::string::npos) << f.err;
    EXPECT_NE(f.err.find("ann:***@"), std::string::npos) << f.err;
    EXPECT_EQ(f.err.find("s3cret"), std::string::npos) << f.err;
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
  }
}

// Four bayes workers on one PostgreSQL study get distinct points: each proposes with the
// others' running trials as pending points, and a claim made on a stale view is refused.
TEST(PostgresCli, FourBayesWorkersGetDistinctPoints) {
  TUNE_REQUIRE_POSTGRES();
  TempDir dir;
  Json experiment = Json::parse(testing::file_bytes(write_experiment(dir)));
  experiment["strategy"] = "bayes";
  std::ofstream(dir.file("experiment.json")) << experiment.dump();
  const std::string name = PostgresServer::study_name("four_bayes");
  const std::string url = PostgresServer::get().url();
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 4; ++i)
    workers.push_back(
        std::make_unique<Process>(tune({"--config", dir.file("experiment.json"), "--trials", "16",
                                        "--study", dir.file(name), "--storage", url}),
                                  dir.file("worker" + std::to_string(i))));
  std::set<std::string> hosts;
  for (auto& w : workers) {
    Finished f = w->wait();
    EXPECT_EQ(f.code, 0) << f.err;
  }
  auto trials = open_postgres_storage_readonly(url, name)->trials();
  EXPECT_EQ(count(trials, TrialState::Complete), 16);
  std::set<std::string> points;
  for (const auto& t : trials) {
    points.insert(t.params.dump());
    hosts.insert(t.worker);
  }
  EXPECT_EQ(points.size(), trials.size());
  EXPECT_GE(hosts.size(), 2u);  // the work was really shared
}

// The server is stopped for 10 s in the middle of a study and started again: the workers wait
// for it and go on, and the study ends with exactly its budget, nothing lost or run twice. On a
// server of its own, since it stops it.
TEST(PostgresCli, WorkersWaitForAServerStoppedMidStudy) {
  const PostgresServer own(false);
  if (!own.missing().empty()) GTEST_SKIP() << own.missing();
  ASSERT_TRUE(own.failure().empty()) << own.failure();
  TempDir dir;
  Json experiment = Json::parse(testing::file_bytes(write_experiment(dir)));
  experiment["objective"]["command"] = {
      "python3", "-c", "import sys, time; time.sleep(0.2); print(int(sys.argv[1]))", "{x}"};
  std::ofstream(dir.file("experiment.json")) << experiment.dump();
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 2; ++i)
    workers.push_back(
        std::make_unique<Process>(tune({"--config", dir.file("experiment.json"), "--trials", "16",
                                        "--study", dir.file("outage"), "--storage", own.url()}),
                                  dir.file("worker" + std::to_string(i))));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {  // a few trials in: stop the server
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      auto reader = open_postgres_storage_readonly(own.url(), "outage");
      if (count(reader->trials(), TrialState::Complete) >= 3) break;
    } catch (const ConfigError&) {  // not created yet
    }
  }
  ASSERT_TRUE(own.pause());
  std::this_thread::sleep_for(std::chrono::seconds(10));
  ASSERT_TRUE(own.resume());
  for (auto& w : workers) {
    Finished f = w->wait();
    EXPECT_EQ(f.code, 0) << f.err;
  }
  auto trials = open_postgres_storage_readonly(own.url(), "outage")->trials();
  EXPECT_EQ(trials.size(), 16u);
  EXPECT_EQ(count(trials, TrialState::Complete), 16);
  std::set<std::string> points;
  for (const auto& t : trials) points.insert(t.params.dump());
  EXPECT_EQ(points.size(), 16u);
}

// tune copy moves a study from SQLite to PostgreSQL and back, losing nothing: the export of
// the copy of the copy is the original's, and a copy into a study with trials is refused.
TEST(PostgresCli, CopyMovesAStudyToPostgresqlAndBack) {
  TUNE_REQUIRE_POSTGRES();
  TempDir dir;
  auto run = [&](std::vector<std::string> args, const std::string& name) {
    Process p(tune(std::move(args)), dir.file(name));
    return p.wait();
  };
  Finished ran = run(
      {"--config", write_experiment(dir), "--trials", "4", "--study", dir.file("study")}, "run");
  ASSERT_EQ(ran.code, 0) << ran.err;
  const std::string original = "sqlite://" + dir.file("study/study.db");
  const std::string back = "sqlite://" + dir.file("back.db");
  const std::string url = url_with_password(), name = PostgresServer::study_name("copy");
  Finished there = run({"copy", "--from", original, "--to", url, "--to-study", name}, "there");
  ASSERT_EQ(there.code, 0) << there.err;
  EXPECT_NE(there.err.find("copied 4 trials"), std::string::npos) << there.err;
  EXPECT_EQ(there.err.find(kPassword), std::string::npos) << there.err;
  Finished home = run({"copy", "--from", url, "--study", name, "--to", back}, "home");
  ASSERT_EQ(home.code, 0) << home.err;

  Finished before = run({"export", "--study", dir.file("study")}, "before");
  Finished after = run({"export", "--study", "any", "--storage", back}, "after");
  ASSERT_EQ(before.code, 0) << before.err;
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(Json::parse(after.out), Json::parse(before.out));
  Finished best = run({"best", "--study", name, "--storage", url}, "best");
  EXPECT_EQ(best.code, 0) << best.err;

  Finished again = run({"copy", "--from", original, "--to", url, "--to-study", name}, "again");
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already holds trials"), std::string::npos) << again.err;
  Finished unnamed = run({"copy", "--from", original, "--to", url}, "unnamed");
  EXPECT_EQ(unnamed.code, 2);
  EXPECT_NE(unnamed.err.find("--to-study NAME is required"), std::string::npos) << unnamed.err;
}

TEST(PostgresCli, ReadingAStudyThatIsNotThereExitsTwo) {
  TUNE_REQUIRE_POSTGRES();
  TempDir dir;
  Process p(tune({"status", "--study", "no_such_study", "--storage", url_with_password()}),
            dir.file("status"));
  Finished f = p.wait();
  EXPECT_EQ(f.code, 2);
  EXPECT_NE(f.err.find("no such study"), std::string::npos) << f.err;
  EXPECT_EQ(f.err.find(kPassword), std::string::npos) << f.err;
}

// An SQLite file named by URL (in the experiment file or with --storage) holds the trials; the
// study directory keeps best.json.
TEST(StorageCli, SqliteUrlPutsTheTrialsInThatFile) {
  TempDir dir;
  Json experiment = Json::parse(testing::file_bytes(write_experiment(dir)));
  experiment["storage"] = "sqlite://" + dir.file("elsewhere.db");
  std::ofstream(dir.file("experiment.json")) << experiment.dump();
  Process run(tune({"--config", dir.file("experiment.json"), "--trials", "3", "--study",
                    dir.file("study")}),
              dir.file("run"));
  Finished ran = run.wait();
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_EQ(open_sqlite_storage_readonly(dir.file("elsewhere.db"))->trials().size(), 3u);
  EXPECT_TRUE(std::ifstream(dir.file("study/best.json")));
  EXPECT_FALSE(std::ifstream(dir.file("study/study.db")));
  Process best(
      tune({"best", "--study", "any", "--storage", "sqlite://" + dir.file("elsewhere.db")}),
      dir.file("best"));
  Finished shown = best.wait();
  EXPECT_EQ(shown.code, 0) << shown.err;
}

}  // namespace
}  // namespace tune
