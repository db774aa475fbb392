// What only the SQLite backend does: opening study files from earlier schemas. The storage
// contract itself is checked on every backend by storage_conformance_test.cpp.
#include <gtest/gtest.h>

#include "first_schema.h"
#include "store/sqlite.h"
#include "store/storage.h"
#include "temp_dir.h"

namespace tune {
namespace {

using testing::TempDir;

std::vector<int> numbers_of(const std::vector<TrialSnapshot>& trials) {
  std::vector<int> numbers;
  for (const auto& t : trials) numbers.push_back(t.number);
  return numbers;
}

ClaimRequest request(int number, const Config& params) {
  ClaimRequest r;
  r.number = number;
  r.params = params;
  r.device = "cpu";
  r.worker = "w";
  return r;
}

// A study file written by the first schema (no version, no metrics value, no index on it).
TEST(SqliteStorage, OpensAStudyFromTheFirstSchema) {
  TempDir dir;
  {
    sqlite::Database db(dir.file("study.db"), 1000);
    db.exec(std::string(testing::kFirstSchemaTables) + R"sql(
      INSERT INTO attributes VALUES ('direction', '"minimize"');
      INSERT INTO trials (number, state, params, value, start_time, end_time, heartbeat, device,
                          worker)
        VALUES (0, 'complete', '{"x":1}', 0.5, 1700000000, 1700000060, 1700000060, 'cpu', 'old'),
               (1, 'running', '{"x":2}', NULL, 1700000100, 0, 1700000100, 'cpu', 'old');
      INSERT INTO metrics VALUES (0, 0, 0, 1700000030, '{"loss":0.7}'),
                                 (0, 1, 1, 1700000060, '{"loss":0.5}');
    )sql");
  }
  auto storage = open_sqlite_storage(dir.file("study.db"));
  EXPECT_EQ(storage->attr("direction"), Json("minimize"));
  auto all = storage->trials({{}, true});
  ASSERT_EQ(numbers_of(all), (std::vector<int>{0, 1}));
  EXPECT_EQ(all[0].params, (Json{{"x", 1}}));
  EXPECT_EQ(all[0].metrics.size(), 2u);
  EXPECT_EQ(storage->best(Direction::Minimize)->number, 0);

  StudyChanges old = storage->changes_since({});
  EXPECT_EQ(numbers_of(old.trials), (std::vector<int>{0, 1}));
  EXPECT_TRUE(old.values.empty());  // the old rows have no objective value
  EXPECT_EQ(storage->claim(request(1, {})).status, ClaimStatus::Conflict);
  ASSERT_EQ(storage->claim(request(2, {{"x", 3}})).status, ClaimStatus::Claimed);
  storage->report(2, {{"loss", 0.4}}, 0.4);
  storage->finish(1, TrialState::Failed, std::nullopt, "gone");
  StudyChanges update = storage->changes_since(old.cursor);
  EXPECT_EQ(numbers_of(update.trials), (std::vector<int>{1, 2}));
  ASSERT_EQ(update.values.size(), 1u);
  EXPECT_EQ(update.values[0].epoch, 1);

  auto reopened = open_sqlite_storage(dir.file("study.db"));  // migrates only once
  EXPECT_EQ(reopened->trials().size(), 3u);
}

}  // namespace
}  // namespace tune
