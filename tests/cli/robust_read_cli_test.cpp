// Robust reads end to end: a study with a row that cannot be read still lists, exports and
// resumes, with one warning naming the file and trial; another program's database is refused
// with one line; a study on a read-only file system is read and not written.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "../store/read_only_mount.h"
#include "../store/temp_dir.h"
#include "../support/files.h"
#include "common/json.h"
#include "process.h"
#include "store/sqlite.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

// f(x) = (x - 1)^2, searched by bayes: its proposals read the whole history, stand-ins included.
std::string write_experiment(const TempDir& dir) {
  Json experiment = {
      {"name", "quadratic"},
      {"space", {{"x", {{"type", "float"}, {"low", -4.0}, {"high", 4.0}}}}},
      {"objective",
       {{"command", {"python3", "-c", "import sys; print((float(sys.argv[1]) - 1) ** 2)", "{x}"}},
        {"direction", "minimize"}}},
      {"strategy", {{"name", "bayes"}}},
      {"seed", 5}};
  std::ofstream(dir.file("experiment.json")) << experiment.dump(2);
  return dir.file("experiment.json");
}

// Runs tune to completion; killed after `limit` (a study that never ends fails the test rather
// than hanging it).
Finished run_tune(const TempDir& dir, std::vector<std::string> args,
                  std::chrono::seconds limit = std::chrono::seconds(120)) {
  static int runs = 0;
  args.insert(args.begin(), TUNE_BINARY);
  Process p(args, dir.file("run" + std::to_string(runs++)));
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!done) p.signal(SIGKILL);
  });
  Finished finished = p.wait();
  done = true;
  watchdog.join();
  return finished;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

using testing::file_bytes;

// (rows, complete rows, largest number) as SQL sees them, damaged rows included.
std::tuple<int64_t, int64_t, int64_t> stored_counts(const std::string& db_path) {
  sqlite::Database db(db_path, 1000);
  sqlite::Statement select(db, "SELECT COUNT(*), SUM(state = 'complete'), MAX(number) FROM trials");
  select.step();
  return {select.integer(0), select.integer(1), select.integer(2)};
}

TEST(RobustReadCli, StudyWithAnUnreadableRowIsListedExportedAndResumed) {
  TempDir dir;
  const std::string config = write_experiment(dir);
  const std::string study = dir.file("study");
  const std::string db = study + "/study.db";
  Finished first = run_tune(dir, {"--config", config, "--trials", "4", "--study", study});
  ASSERT_EQ(first.code, 0) << first.err;
  {  // The last trial, the one a resumed study's next number is counted from.
    sqlite::Database raw(db, 1000);
    raw.exec("UPDATE trials SET params = '{x: 1' WHERE number = 3");
  }
  const std::string warning =
      "tune: warning: " + db + ": trial 3: params are not JSON: \"{x: 1\" (skipped)";

  Finished status = run_tune(dir, {"status", "--study", study});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("trials: 3 (budget 4): 3 complete"), std::string::npos) << status.out;
  EXPECT_EQ(lines_of(status.err), std::vector<std::string>{warning});

  Finished exported = run_tune(dir, {"export", "--study", study, "--format", "json"});
  ASSERT_EQ(exported.code, 0) << exported.err;
  Json trials = Json::parse(exported.out);
  ASSERT_EQ(trials.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(trials[i].at("number"), i);
  EXPECT_EQ(lines_of(exported.err), std::vector<std::string>{warning});

  Finished csv = run_tune(dir, {"export", "--study", study, "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(lines_of(csv.out).size(), 4u);  // the header and three trials
  EXPECT_EQ(lines_of(csv.err), std::vector<std::string>{warning});

  Finished best = run_tune(dir, {"best", "--study", study});
  ASSERT_EQ(best.code, 0) << best.err;
  EXPECT_LT(Json::parse(best.out).at("number").get<int>(), 3);

  // Resumed: the damaged trial keeps its number and its place in the budget.
  Finished resumed = run_tune(dir, {"--config", config, "--trials", "6", "--study", study});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(stored_counts(db), std::make_tuple(int64_t{6}, int64_t{6}, int64_t{5}));
  auto readable = open_sqlite_storage_readonly(db)->trials();
  ASSERT_EQ(readable.size(), 5u);
  EXPECT_EQ(readable.back().number, 5);
}

TEST(RobustReadCli, AnotherProgramsDatabaseIsRefusedWithOneLine) {
  TempDir dir;
  const std::string config = write_experiment(dir);
  const std::string study = dir.file("study");
  const std::string db = study + "/study.db";
  std::filesystem::create_directory(study);
  {
    sqlite::Database other(db, 1000);
    other.exec("CREATE TABLE notes (id INTEGER, text TEXT); INSERT INTO notes VALUES (1, 'x');");
  }
  const std::string before = file_bytes(db);
  const std::string error = "tune: error: " + db + ": not a tune study (tables: notes)";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--config", config, "--trials", "2", "--study", study},
        std::vector<std::string>{"status", "--study", study},
        std::vector<std::string>{"export", "--study", study}}) {
    Finished refused = run_tune(dir, args);
    EXPECT_EQ(refused.code, 2) << args[0];
    EXPECT_EQ(lines_of(refused.err), std::vector<std::string>{error}) << args[0];
    EXPECT_EQ(refused.out, "") << args[0];
  }
  EXPECT_EQ(file_bytes(db), before);

  std::ofstream(db, std::ios::trunc) << "not a database\n";
  Finished text = run_tune(dir, {"--config", config, "--trials", "2", "--study", study});
  EXPECT_EQ(text.code, 2);
  EXPECT_EQ(lines_of(text.err),
            std::vector<std::string>{"tune: error: " + db + ": not an SQLite database"});
  EXPECT_EQ(file_bytes(db), "not a database\n");
}

// The study directory becomes a read-only file system (a bind mount in a mount namespace of
// the child's own, so that it holds for root too): status, best and export read it, run is
// refused with one line naming the file.
TEST(RobustReadCli, StudyOnAReadOnlyFileSystemIsReadNotWritten) {
  TempDir dir;
  const std::string config = write_experiment(dir);
  const std::string study = dir.file("study");
  const std::string db = study + "/study.db";
  Finished first = run_tune(dir, {"--config", config, "--trials", "3", "--study", study});
  ASSERT_EQ(first.code, 0) << first.err;
  const std::string before = file_bytes(db);

  auto result = testing::run_in_child(
      [&] { return testing::make_read_only_file_system(study); },
      [&]() -> std::string {
        for (const char* command : {"status", "best", "export"}) {
          Finished read = run_tune(dir, {command, "--study", study});
          if (read.code != 0 || !read.err.empty())
            return std::string(command) + " exited " + std::to_string(read.code) + ": " + read.err;
        }
        Finished run = run_tune(dir, {"--config", config, "--trials", "5", "--study", study});
        auto lines = lines_of(run.err);
        if (run.code != 2 || lines.size() != 1 ||
            lines[0].rfind("tune: error: " + db + ": cannot write the study: ", 0) != 0)
          return "run exited " + std::to_string(run.code) + ": " + run.err;
        return "";
      });
  if (!result) GTEST_SKIP() << "no read-only bind mount here (needs CAP_SYS_ADMIN)";
  EXPECT_EQ(*result, "");
  EXPECT_EQ(file_bytes(db), before);
}

}  // namespace
}  // namespace tune
