// Reads that survive what a study file may hold: rows no tune wrote (each column that is parsed),
// read-only files and file systems, and files that are not tune studies at all.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../support/files.h"
#include "common/error.h"
#include "first_schema.h"
#include "read_only_mount.h"
#include "store/sqlite.h"
#include "store/storage.h"
#include "temp_dir.h"

namespace tune {
namespace {

using testing::TempDir;

ClaimRequest request(int number, std::optional<int> budget = std::nullopt) {
  ClaimRequest r;
  r.number = number;
  r.params = {{"x", number}};
  r.budget = budget;
  r.device = "cpu";
  r.worker = "w";
  return r;
}

// Complete trials 0, 1, 2 with values 3, 1, 2 (trial 1 is the lowest), two epochs each.
void write_study(const std::string& path, int trials = 3) {
  auto storage = open_sqlite_storage(path);
  storage->set_attr("direction", "minimize");
  for (int i = 0; i < trials; ++i) {
    ASSERT_EQ(storage->claim(request(i)).status, ClaimStatus::Claimed);
    const double value = i == 0 ? 3.0 : i;
    storage->report(i, {{"epoch", 1}, {"loss", value + 1}}, value + 1);
    storage->report(i, {{"epoch", 2}, {"loss", value}}, value);
    storage->finish(i, TrialState::Complete, value, "", {{"epochs", 2}});
  }
}

// Changes the file behind tune's back, as a hand edit or another program would.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite::Database db(path, 1000);
  db.exec(sql);
}

std::vector<int> numbers_of(const std::vector<TrialSnapshot>& trials) {
  std::vector<int> numbers;
  for (const auto& t : trials) numbers.push_back(t.number);
  return numbers;
}

using testing::file_bytes;

int64_t mtime_ns(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return -1;
  return int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
}

bool exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

// The ConfigError `open` throws, or "" when it throws none.
template <typename Open>
std::string config_error(Open open) {
  try {
    open();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// One damaged column of trial 1.
struct Damage {
  const char* column;
  const char* sql;
  const char* where;    // the row, as the warning names it
  const char* problem;  // what the warning says is wrong
  bool whole_row;       // the trial is skipped (else only one epoch row)
  TrialState stand_in;  // the state changes_since gives it
};

void PrintTo(const Damage& damage, std::ostream* out) {
  *out << damage.column;
}

class UnreadableRow : public ::testing::TestWithParam<Damage> {};

TEST_P(UnreadableRow, IsSkippedAndReportedOnceWithTheFileAndTrial) {
  const Damage& damage = GetParam();
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path);
  run_sql(path, damage.sql);
  auto storage = open_sqlite_storage(path);
  const std::vector<int> rest =
      damage.whole_row ? std::vector<int>{0, 2} : std::vector<int>{0, 1, 2};

  EXPECT_EQ(numbers_of(storage->trials()), rest);
  auto with_metrics = storage->trials({{}, true});
  EXPECT_EQ(numbers_of(with_metrics), rest);
  for (const auto& t : with_metrics)
    EXPECT_EQ(t.metrics.size(), t.number == 1 ? 1u : 2u) << "trial " << t.number;
  EXPECT_EQ(storage->trial(1).has_value(), !damage.whole_row);
  ASSERT_TRUE(storage->trial(0));
  EXPECT_EQ(storage->trial(0)->metrics.size(), 2u);
  ASSERT_TRUE(storage->best(Direction::Minimize));
  EXPECT_EQ(storage->best(Direction::Minimize)->number, damage.whole_row ? 2 : 1);

  // A study's view: every number, nothing taken from the damaged row, the claim's budget.
  StudyChanges changes = storage->changes_since({});
  ASSERT_EQ(numbers_of(changes.trials), (std::vector<int>{0, 1, 2}));
  const TrialSnapshot& one = changes.trials[1];
  if (damage.whole_row) {
    EXPECT_EQ(one.state, damage.stand_in);
    EXPECT_EQ(one.params, Json::object());
    EXPECT_FALSE(one.value);
    EXPECT_EQ(one.error, std::string("unreadable row: ") + damage.problem);
  }
  int used = 0;
  for (const auto& t : changes.trials) used += t.state != TrialState::Failed;
  EXPECT_EQ(storage->claim(request(3, used)).status, ClaimStatus::BudgetSpent);
  EXPECT_EQ(storage->claim(request(3, used + 1)).status, ClaimStatus::Claimed);

  std::vector<std::string> warnings = storage->warnings();
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_EQ(warnings[0], path + ": " + damage.where + ": " + damage.problem + " (skipped)");
}

INSTANTIATE_TEST_SUITE_P(
    EachParsedColumn, UnreadableRow,
    ::testing::Values(
        Damage{"state", "UPDATE trials SET state = 'paused' WHERE number = 1", "trial 1",
               "unknown state \"paused\"", true, TrialState::Failed},
        Damage{"params", "UPDATE trials SET params = '{lr: 0.1' WHERE number = 1", "trial 1",
               "params are not JSON: \"{lr: 0.1\"", true, TrialState::Complete},
        Damage{"summary", "UPDATE trials SET summary = 'epochs: 2' WHERE number = 1", "trial 1",
               "summary is not JSON: \"epochs: 2\"", true, TrialState::Complete},
        Damage{"value", "UPDATE trials SET value = 'low' WHERE number = 1", "trial 1",
               "value is not a number: \"low\"", true, TrialState::Complete},
        Damage{"metrics_data",
               "UPDATE metrics SET data = '{\"loss\": ' WHERE trial = 1 AND epoch = 2",
               "trial 1, epoch 2", "metrics are not JSON: \"{\\\"loss\\\": \"", false,
               TrialState::Complete}),
    [](const ::testing::TestParamInfo<Damage>& info) { return std::string(info.param.column); });

// Control characters and invalid UTF-8 in a damaged value never reach the terminal raw.
TEST(RobustRead, ProblemQuotesTheBadValueEscaped) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path);
  run_sql(path, "UPDATE trials SET params = 'x' || char(27) || '[2J' || char(10) WHERE number = 0");
  auto storage = open_sqlite_storage(path);
  EXPECT_EQ(numbers_of(storage->trials()), (std::vector<int>{1, 2}));
  ASSERT_EQ(storage->warnings().size(), 1u);
  const std::string warning = storage->warnings()[0];
  EXPECT_NE(warning.find("\"x\\u001b[2J\\n\""), std::string::npos) << warning;
  EXPECT_EQ(warning.find('\x1b'), std::string::npos);
}

TEST(RobustRead, ManyUnreadableRowsAreCountedPastTwenty) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path, 30);
  run_sql(path, "UPDATE trials SET params = 'bad' WHERE number >= 5");
  auto storage = open_sqlite_storage(path);
  EXPECT_EQ(storage->trials().size(), 5u);
  auto warnings = storage->warnings();
  ASSERT_EQ(warnings.size(), 21u);
  EXPECT_EQ(warnings[0], path + ": trial 5: params are not JSON: \"bad\" (skipped)");
  EXPECT_EQ(warnings[20], path + ": 5 more unreadable rows (skipped)");
}

TEST(RobustRead, AnAttributeThatIsNotJsonReadsAsMissing) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path);
  run_sql(path, "UPDATE attributes SET value = 'minimize' WHERE key = 'direction'");
  auto storage = open_sqlite_storage(path);
  EXPECT_FALSE(storage->attr("direction"));
  EXPECT_EQ(storage->warnings(),
            (std::vector<std::string>{path + ": attribute \"direction\" is not JSON (ignored)"}));
}

TEST(RobustRead, ReadOnlyOpenReadsAndNeverWrites) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path);
  const std::string before = file_bytes(path);
  const int64_t mtime = mtime_ns(path);
  auto storage = open_sqlite_storage_readonly(path);
  EXPECT_EQ(numbers_of(storage->trials({{}, true})), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(storage->best(Direction::Minimize)->number, 1);
  EXPECT_EQ(storage->attr("direction"), Json("minimize"));
  EXPECT_EQ(numbers_of(storage->changes_since({}).trials), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(config_error([&] { storage->claim(request(3)); }),
            path + ": opened read-only; cannot claim a trial");
  EXPECT_NE(config_error([&] { storage->set_attr("k", 1); }), "");
  EXPECT_NE(config_error([&] { storage->fail_stale(0); }), "");
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(mtime_ns(path), mtime);
}

// No WAL switch and no migration: a study file of the first schema stays as it was.
TEST(RobustRead, ReadOnlyOpenLeavesAnOldStudyUnmigrated) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  run_sql(path, std::string(testing::kFirstSchemaTables) + R"sql(
      INSERT INTO trials (number, state, params, value, start_time, end_time, heartbeat)
        VALUES (0, 'complete', '{"x":1}', 0.5, 1700000000, 1700000060, 1700000060);
      INSERT INTO metrics VALUES (0, 0, 1, 1700000030, '{"loss":0.7}');
    )sql");
  const std::string before = file_bytes(path);
  auto storage = open_sqlite_storage_readonly(path);
  auto trials = storage->trials({{}, true});
  ASSERT_EQ(numbers_of(trials), (std::vector<int>{0}));
  EXPECT_EQ(trials[0].metrics.size(), 1u);
  EXPECT_EQ(storage->best(Direction::Minimize)->number, 0);
  storage.reset();
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_FALSE(exists(path + "-wal"));
}

// A study on a read-only file system, as root sees it too (a read-only bind mount in a mount
// namespace of the child's own): reading works, writing is refused naming the file.
TEST(RobustRead, ReadsAStudyOnAReadOnlyFileSystem) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  write_study(path);
  ASSERT_FALSE(exists(path + "-wal"));  // closed cleanly: SQLite must do without a -shm
  auto result = testing::run_in_child(
      [&] { return testing::make_read_only_file_system(dir.path()); },
      [&]() -> std::string {
        if (std::ofstream(dir.file("probe"))) return "the directory is still writable";
        std::string refused = config_error([&] { open_sqlite_storage(path); });
        if (refused.rfind(path + ": cannot write the study:", 0) != 0) return "writing: " + refused;
        auto storage = open_sqlite_storage_readonly(path);
        if (numbers_of(storage->trials({{}, true})) != std::vector<int>{0, 1, 2})
          return "not all trials read";
        if (storage->best(Direction::Minimize)->number != 1) return "wrong best";
        if (storage->trial(2)->metrics.size() != 2) return "metrics missing";
        return "";
      });
  if (!result) GTEST_SKIP() << "no read-only bind mount here (needs CAP_SYS_ADMIN)";
  EXPECT_EQ(*result, "");
}

// A writer that died left its changes in the -wal: a read-only file system still shows them
// when the -shm is there, and says why not when it is not.
TEST(RobustRead, ReadsChangesLeftInTheWalOnAReadOnlyFileSystem) {
  TempDir dir;
  auto writer = open_sqlite_storage(dir.file("study.db"));
  ASSERT_EQ(writer->claim(request(0)).status, ClaimStatus::Claimed);
  for (const char* copy : {"with_shm", "without_shm"}) {
    std::filesystem::create_directory(dir.file(copy));
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::copy_file(dir.file(std::string("study.db") + suffix),
                                 dir.file(std::string(copy) + "/study.db" + suffix));
  }
  writer.reset();
  std::filesystem::remove(dir.file("without_shm/study.db-shm"));
  auto result = testing::run_in_child(
      [&] { return testing::make_read_only_file_system(dir.path()); },
      [&]() -> std::string {
        auto storage = open_sqlite_storage_readonly(dir.file("with_shm/study.db"));
        if (numbers_of(storage->trials()) != std::vector<int>{0}) return "the -wal was not read";
        const std::string path = dir.file("without_shm/study.db");
        std::string refused = config_error([&] { open_sqlite_storage_readonly(path); });
        if (refused.rfind(path + ": cannot read it: its -wal file holds changes", 0) != 0)
          return "without -shm: " + refused;
        return "";
      });
  if (!result) GTEST_SKIP() << "no read-only bind mount here (needs CAP_SYS_ADMIN)";
  EXPECT_EQ(*result, "");
}

// Permission bits, which root ignores: the child gives up root first.
TEST(RobustRead, ReadOnlyFileOrDirectoryForAnOrdinaryUser) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("file"));
  std::filesystem::create_directory(dir.file("dir"));
  write_study(dir.file("file/study.db"));  // read-only file in a read-only directory
  write_study(dir.file("dir/study.db"));   // writable file in a read-only directory
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(dir.file("dir/study.db"), std::filesystem::perms(0666));
  auto result = testing::run_in_child(testing::become_unprivileged, [&]() -> std::string {
    for (const char* sub : {"file", "dir"}) {
      const std::string path = dir.file(std::string(sub) + "/study.db");
      std::string refused = config_error([&] { open_sqlite_storage(path); });
      if (refused.rfind(path + ": cannot ", 0) != 0) return std::string(sub) + ": " + refused;
      if (open_sqlite_storage_readonly(path)->trials().size() != 3)
        return std::string(sub) + ": not all trials read";
    }
    return "";
  });
  if (!result) GTEST_SKIP() << "cannot become an unprivileged user here";
  EXPECT_EQ(*result, "");
}

// Another program's database, offered as study.db, is refused before anything is written: its
// bytes, its modification time and its journal mode stay as they were.
TEST(RobustRead, RefusesAnotherProgramsDatabaseUnchanged) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  run_sql(path, "CREATE TABLE users (id INTEGER, name TEXT); INSERT INTO users VALUES (1, 'a');");
  const std::string before = file_bytes(path);
  const int64_t mtime = mtime_ns(path);
  const std::string expected = path + ": not a tune study (tables: users)";
  EXPECT_EQ(config_error([&] { open_sqlite_storage(path); }), expected);
  EXPECT_EQ(config_error([&] { open_sqlite_storage_readonly(path); }), expected);
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(mtime_ns(path), mtime);
  EXPECT_EQ(before[18], 1);  // file format 1: a rollback journal, not WAL
  EXPECT_FALSE(exists(path + "-wal"));
}

TEST(RobustRead, RefusesTablesWithTunesNamesButOtherColumns) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  run_sql(path,
          "CREATE TABLE attributes (key, value); CREATE TABLE metrics (trial, seq, epoch, time, "
          "data); CREATE TABLE trials (number, state, params, score);");
  const std::string before = file_bytes(path);
  EXPECT_EQ(config_error([&] { open_sqlite_storage(path); }),
            path +
                ": not a tune study (its table trials has no column value, summary, start_time, "
                "end_time, heartbeat, device, worker, error)");
  EXPECT_EQ(file_bytes(path), before);
}

TEST(RobustRead, RefusesAFileThatIsNotSqliteUnchanged) {
  TempDir dir;
  for (const std::string text : {"name,value\nlr,0.1\n", "SQLite"}) {
    const std::string path = dir.file("study.db");
    std::ofstream(path, std::ios::trunc) << text;
    EXPECT_EQ(config_error([&] { open_sqlite_storage(path); }), path + ": not an SQLite database");
    EXPECT_EQ(config_error([&] { open_sqlite_storage_readonly(path); }),
              path + ": not an SQLite database");
    EXPECT_EQ(file_bytes(path), text);
  }
}

// An empty file is a new database to a run (as SQLite treats it); a reader finds no study.
TEST(RobustRead, AnEmptyFileIsANewStudyToARunAndNoStudyToAReader) {
  TempDir dir;
  const std::string path = dir.file("study.db");
  std::ofstream(path).flush();
  EXPECT_EQ(config_error([&] { open_sqlite_storage_readonly(path); }),
            path + ": not a tune study (it has no tables)");
  EXPECT_TRUE(open_sqlite_storage(path)->trials().empty());
  EXPECT_TRUE(open_sqlite_storage_readonly(path)->trials().empty());
}

}  // namespace
}  // namespace tune
