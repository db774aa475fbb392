#include "study/export.h"

#include <gtest/gtest.h>

#include "study/leaderboard.h"

namespace tune {
namespace {

std::vector<TrialSnapshot> sample_trials() {
  std::vector<TrialSnapshot> trials(3);
  trials[0].number = 0;
  trials[0].state = TrialState::Complete;
  trials[0].params = {{"lr", 0.01}, {"optimizer", "adam"}};
  trials[0].value = 0.875;
  trials[0].start_time = 100;
  trials[0].end_time = 102.5;
  trials[0].metrics = Json::array({{{"epoch", 1}, {"val_accuracy", 0.875}}});
  trials[0].device = "cpu";
  trials[1].number = 1;
  trials[1].state = TrialState::Failed;
  trials[1].params = {{"lr", 0.1}, {"optimizer", "sgd"}, {"momentum", 0.9}};
  trials[1].error = "exit status 1: \"boom\", then more";
  trials[1].start_time = 103;
  trials[1].end_time = 104;
  trials[2].number = 2;
  trials[2].state = TrialState::Complete;
  trials[2].params = {{"lr", 0.001}, {"optimizer", "a,b"}};
  trials[2].value = 0.9;
  trials[2].start_time = 105;
  trials[2].end_time = 106;
  return trials;
}

TEST(Export, CsvHasAColumnPerParamAndQuotesWhatNeedsIt) {
  std::string csv = trials_to_csv(sample_trials());
  EXPECT_EQ(csv,
            "number,state,value,duration,lr,optimizer,momentum,device,error\n"
            "0,complete,0.875,2.500,0.01,adam,,cpu,\n"
            "1,failed,,1.000,0.1,sgd,0.9,,\"exit status 1: \"\"boom\"\", then more\"\n"
            "2,complete,0.9,1.000,0.001,\"a,b\",,,\n");
}

TEST(Export, JsonKeepsEveryField) {
  Json all = trials_to_json(sample_trials());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].at("number"), 0);
  EXPECT_EQ(all[0].at("state"), "complete");
  EXPECT_EQ(all[0].at("params").at("optimizer"), "adam");
  EXPECT_EQ(all[0].at("value"), 0.875);
  EXPECT_EQ(all[0].at("metrics")[0].at("val_accuracy"), 0.875);
  EXPECT_EQ(all[0].at("duration"), 2.5);
  EXPECT_TRUE(all[1].at("value").is_null());
  EXPECT_EQ(all[1].at("error"), "exit status 1: \"boom\", then more");
}

TEST(Leaderboard, ListsTheBestFirst) {
  std::string board = format_leaderboard(sample_trials(), Direction::Maximize, 5);
  size_t first = board.find("optimizer=a,b");
  size_t second = board.find("optimizer=adam");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_EQ(board.find("sgd"), std::string::npos);  // failed trials are not ranked
  EXPECT_EQ(format_leaderboard({}, Direction::Maximize),
            "no complete trials (0 pruned, 0 failed)\n");
}

}  // namespace
}  // namespace tune
