// The Optuna export, row by row (tests/optuna/check_export.py opens such files with Optuna).
#include "study/optuna_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "common/error.h"
#include "store/sqlite.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::TempDir;

const Json kSpace = {
    {"lr", {{"type", "float"}, {"low", 0.001}, {"high", 0.1}, {"log", true}}},
    {"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.5}, {"step", 0.25}}},
    {"layers", {{"type", "int"}, {"low", 1}, {"high", 5}, {"step", 2}}},
    {"units", {{"type", "pow2"}, {"low", 16}, {"high", 128}}},
    {"act", {{"type", "categorical"}, {"choices", {"relu", "tanh"}}}},
    {"hidden", {{"type", "categorical"}, {"choices", {Json::array({64}), Json::array({64, 32})}}}},
};

TrialSnapshot trial(int number, TrialState state, std::optional<double> value) {
  TrialSnapshot t;
  t.number = number;
  t.state = state;
  t.value = value;
  t.start_time = 1700000000.25 + number;
  t.end_time = state == TrialState::Running ? 0 : t.start_time + 2;
  return t;
}

// A file written from `study`, opened for reading.
struct Written {
  TempDir dir;
  std::unique_ptr<sqlite::Database> db;

  explicit Written(const OptunaStudy& study) {
    write_optuna_study(study, dir.file("optuna.db"), "--output");
    db =
        std::make_unique<sqlite::Database>(dir.file("optuna.db"), 1000, sqlite::OpenMode::ReadOnly);
  }

  // The rows of `sql`, `columns` columns each, as "a|b|c" (NULL for NULL).
  std::vector<std::string> rows(const std::string& sql, int columns) {
    sqlite::Statement select(*db, sql);
    std::vector<std::string> out;
    while (select.step()) {
      std::string row;
      for (int c = 0; c < columns; ++c)
        row += (c ? "|" : "") + (select.is_null(c) ? std::string("NULL") : select.text(c));
      out.push_back(row);
    }
    return out;
  }
};

using Rows = std::vector<std::string>;

TEST(OptunaExport, WritesOptunasVersionRowsAndTheStudy) {
  OptunaStudy study;
  study.name = "demo";
  study.direction = Direction::Maximize;
  study.fixed_params = {{"epochs", 5}};
  Written file(study);
  EXPECT_EQ(file.rows("SELECT * FROM version_info", 3), Rows{"1|12|3.2.0"});
  EXPECT_EQ(file.rows("SELECT * FROM alembic_version", 1), Rows{"v3.2.0.a"});
  EXPECT_EQ(file.rows("SELECT * FROM studies", 2), Rows{"1|demo"});
  EXPECT_EQ(file.rows("SELECT direction, study_id, objective FROM study_directions", 3),
            Rows{"MAXIMIZE|1|0"});
  EXPECT_EQ(file.rows("SELECT study_id, key, value_json FROM study_user_attributes", 3),
            Rows{"1|fixed_params|{\"epochs\":5}"});
  EXPECT_EQ(file.rows("SELECT COUNT(*) FROM trials", 1), Rows{"0"});
  // Optuna's tables, every one of them, so that it creates none when it opens the file.
  EXPECT_EQ(file.rows("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", 1), Rows{"13"});
}

TEST(OptunaExport, TrialsKeepNumbersStatesValuesAndTimes) {
  OptunaStudy study;
  study.name = "s";
  const double inf = std::numeric_limits<double>::infinity();
  study.trials = {
      trial(0, TrialState::Complete, 0.5),        trial(1, TrialState::Pruned, 0.75),
      trial(2, TrialState::Failed, std::nullopt), trial(3, TrialState::Running, std::nullopt),
      trial(5, TrialState::Complete, -inf),       trial(6, TrialState::Complete, std::nan(""))};
  study.trials[2].error = "exit status 1";
  study.trials[2].device = "cpu";
  Written file(study);
  EXPECT_EQ(file.rows("SELECT trial_id, number, study_id, state, datetime_start, "
                      "datetime_complete FROM trials ORDER BY trial_id",
                      6),
            (Rows{"1|0|1|COMPLETE|2023-11-14 22:13:20.250000|2023-11-14 22:13:22.250000",
                  "2|1|1|PRUNED|2023-11-14 22:13:21.250000|2023-11-14 22:13:23.250000",
                  "3|2|1|FAIL|2023-11-14 22:13:22.250000|2023-11-14 22:13:24.250000",
                  "4|3|1|RUNNING|2023-11-14 22:13:23.250000|NULL",
                  "5|5|1|COMPLETE|2023-11-14 22:13:25.250000|2023-11-14 22:13:27.250000",
                  // A complete trial without a value Optuna accepts: as Optuna would have it.
                  "6|6|1|FAIL|2023-11-14 22:13:26.250000|2023-11-14 22:13:28.250000"}));
  EXPECT_EQ(file.rows("SELECT trial_id, objective, value, value_type FROM trial_values "
                      "ORDER BY trial_id",
                      4),
            (Rows{"1|0|0.5|FINITE", "2|0|0.75|FINITE", "5|0|NULL|INF_NEG"}));
  EXPECT_EQ(file.rows("SELECT trial_id, key, value_json FROM trial_user_attributes "
                      "ORDER BY trial_id, key",
                      3),
            (Rows{"3|device|\"cpu\"", "3|error|\"exit status 1\""}));
}

TEST(OptunaExport, ParamsCarryTheirDistributionsAndCategoricalsTheirIndex) {
  OptunaStudy study;
  study.name = "s";
  study.space = Space::from_json(kSpace, "space");
  study.trials = {trial(0, TrialState::Complete, 1.0)};
  study.trials[0].params = {{"lr", 0.01},    {"dropout", 0.25},    {"layers", 3}, {"units", 32},
                            {"act", "tanh"}, {"hidden", {64, 32}}, {"epochs", 5}};
  Written file(study);
  auto params = file.rows(
      "SELECT param_name, param_value, distribution_json FROM trial_params ORDER BY param_name", 3);
  ASSERT_EQ(params.size(), 6u);
  auto expect = [&](size_t i, const std::string& name, double value, const Json& distribution) {
    std::string row = params[i];
    size_t first = row.find('|'), second = row.find('|', first + 1);
    EXPECT_EQ(row.substr(0, first), name);
    EXPECT_DOUBLE_EQ(std::stod(row.substr(first + 1, second - first - 1)), value) << name;
    EXPECT_EQ(Json::parse(row.substr(second + 1)), distribution) << name;
  };
  auto attributes = [](const char* name, Json attributes) {
    return Json{{"name", name}, {"attributes", attributes}};
  };
  expect(0, "act", 1, attributes("CategoricalDistribution", {{"choices", {"relu", "tanh"}}}));
  expect(1, "dropout", 0.25,
         attributes("FloatDistribution",
                    {{"low", 0.0}, {"high", 0.5}, {"log", false}, {"step", 0.25}}));
  // Optuna's choices are scalars: an array choice is its JSON text.
  expect(2, "hidden", 1, attributes("CategoricalDistribution", {{"choices", {"[64]", "[64,32]"}}}));
  expect(3, "layers", 3,
         attributes("IntDistribution", {{"low", 1}, {"high", 5}, {"log", false}, {"step", 2}}));
  expect(4, "lr", 0.01,
         attributes("FloatDistribution",
                    {{"low", 0.001}, {"high", 0.1}, {"log", true}, {"step", nullptr}}));
  // pow2: the int range on a log scale, the value itself.
  expect(5, "units", 32,
         attributes("IntDistribution", {{"low", 16}, {"high", 128}, {"log", true}, {"step", 1}}));
  EXPECT_EQ(file.rows("SELECT key, value_json FROM trial_user_attributes", 2),
            Rows{"fixed_params|{\"epochs\":5}"});
}

TEST(OptunaExport, AValueOutsideTheSpaceIsKeptAsAFixedParam) {
  OptunaStudy study;
  study.name = "s";
  study.space = Space::from_json(kSpace, "space");
  study.trials = {trial(0, TrialState::Complete, 1.0)};
  study.trials[0].params = {{"act", "gelu"}, {"lr", 0.05}};  // the space changed on resume
  Written file(study);
  EXPECT_EQ(file.rows("SELECT param_name FROM trial_params", 1), Rows{"lr"});
  EXPECT_EQ(file.rows("SELECT value_json FROM trial_user_attributes", 1),
            Rows{"{\"act\":\"gelu\"}"});
}

TEST(OptunaExport, IntermediateValuesAreTheObjectivePerEpoch) {
  OptunaStudy study;
  study.name = "s";
  study.trials = {trial(0, TrialState::Complete, 0.5), trial(1, TrialState::Pruned, 2.0)};
  // Epoch 2 of trial 0 was reported twice: the later report wins, as in the study.
  study.values = {{0, 1, 0.9}, {1, 1, 3.0}, {0, 2, 0.8}, {0, 2, 0.7}, {1, 2, 2.0}};
  Written file(study);
  EXPECT_EQ(file.rows("SELECT trial_id, step, intermediate_value, intermediate_value_type FROM "
                      "trial_intermediate_values ORDER BY trial_id, step",
                      4),
            (Rows{"1|1|0.9|FINITE", "1|2|0.7|FINITE", "2|1|3.0|FINITE", "2|2|2.0|FINITE"}));
}

TEST(OptunaExport, ReadsNameDirectionSpaceTrialsAndCurvesFromTheStudy) {
  TempDir dir;
  std::string study_dir = dir.file("my_study");
  auto storage = open_study_dir(study_dir);
  storage->set_attr(kDirectionAttr, "maximize");
  // "lr" is searched: its value in "params" is only a default, not a fixed param.
  storage->set_attr(kExperimentAttr,
                    {{"space", kSpace}, {"params", {{"epochs", 5}, {"lr", 0.5}}}});
  ClaimRequest request;
  request.params = {{"lr", 0.01}};
  ASSERT_EQ(storage->claim(request).status, ClaimStatus::Claimed);
  storage->report(0, {{"epoch", 1}, {"acc", 0.5}}, 0.5);
  storage->report(0, {{"epoch", 2}, {"acc", 0.6}}, 0.6);
  storage->finish(0, TrialState::Complete, 0.6, "");

  OptunaStudy study = read_optuna_study(*storage, study_dir + "/");
  EXPECT_EQ(study.name, "my_study");  // the experiment has no name: the directory's
  EXPECT_EQ(study.direction, Direction::Maximize);
  ASSERT_NE(study.space.find("units"), nullptr);
  EXPECT_EQ(study.fixed_params, Json({{"epochs", 5}}));
  ASSERT_EQ(study.trials.size(), 1u);
  EXPECT_EQ(study.trials[0].params, request.params);
  ASSERT_EQ(study.values.size(), 2u);
  EXPECT_EQ(study.values[1].epoch, 2);
  EXPECT_EQ(study.values[1].value, 0.6);

  storage->set_attr(kExperimentAttr, {{"name", "mnist"}, {"space", kSpace}});
  EXPECT_EQ(read_optuna_study(*storage, study_dir).name, "mnist");
}

TEST(OptunaExport, RefusesAnExistingFileAndLeavesItAlone) {
  TempDir dir;
  std::ofstream(dir.file("taken.db")) << "mine";
  OptunaStudy study;
  study.name = "s";
  try {
    write_optuna_study(study, dir.file("taken.db"), "export --output");
    FAIL() << "an existing file was overwritten";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("export --output: \"" + dir.file("taken.db") + "\""),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(testing::file_bytes(dir.file("taken.db")), "mine");
}

TEST(OptunaExport, AnUnwritablePathIsAConfigErrorAndLeavesNoFile) {
  TempDir dir;
  OptunaStudy study;
  study.name = "s";
  std::string path = dir.file("missing/optuna.db");
  EXPECT_THROW(write_optuna_study(study, path, "--output"), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace tune
