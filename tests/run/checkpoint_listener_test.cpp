// The listener that tidies a population-based study's checkpoints: it deletes those no later
// stretch can read once their trials are finished, and keeps the best trial's, those that
// running stretches start from, and those just written by trials storage still shows running.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "common/pbt_segment.h"
#include "run/listeners.h"
#include "run/run_loop.h"
#include "space/space.h"
#include "strategy/strategy.h"
#include "study/study.h"
#include "study/study_dir.h"

namespace tune {
namespace {

// Claims trial `number` as a stretch of `member` from `from` to `from + 2`.
void claim(Storage& storage, int number, int member, int from, std::optional<int> parent) {
  PbtSegment s;
  s.member = member;
  s.from_epoch = from;
  s.to_epoch = from + 2;
  s.parent = parent;
  ClaimRequest request;
  request.number = number;
  request.params = {{"lr", 0.01}, {kPbtKey, s.to_json()}};
  ASSERT_EQ(storage.claim(request).status, ClaimStatus::Claimed);
}

TEST(CheckpointListener, DeletesOnlyFinishedCheckpointsNoStretchCanReadAndNotTheBest) {
  testing::TempDir dir;
  std::shared_ptr<Storage> storage = open_study_dir(dir.path());
  claim(*storage, 0, 0, 0, {});  // member 0: 0, then 1 goes on from it
  storage->finish(0, TrialState::Complete, 0.5, "");
  claim(*storage, 1, 0, 2, 0);
  storage->finish(1, TrialState::Complete, 0.7, "");
  claim(*storage, 2, 1, 0, {});  // member 1: 2, then 3 goes on from it, still running
  storage->finish(2, TrialState::Complete, 0.6, "");
  claim(*storage, 3, 1, 2, 2);
  claim(*storage, 4, 2, 0, {});  // member 2: its first stretch, finished and beaten by 5
  storage->finish(4, TrialState::Complete, 0.9, "");
  claim(*storage, 5, 2, 2, 4);
  storage->finish(5, TrialState::Complete, 0.4, "");
  std::filesystem::create_directories(dir.file("checkpoints"));
  for (int n : {0, 1, 2, 3, 4, 5}) std::ofstream(study_checkpoint_path(dir.path(), n)) << "x";
  ASSERT_TRUE(std::filesystem::exists(study_checkpoint_path(dir.path(), 0)));
  const std::string temporary = study_checkpoint_path(dir.path(), 0) + ".tmp";
  std::ofstream(temporary) << "x";

  StudyOptions options;
  options.direction = Direction::Maximize;
  Study study(storage, Space(), make_strategy("random", Json::object(), "strategy"), options);
  CheckpointListener listener(study, dir.path());
  listener.trial_finished(WorkerSpec{}, *storage->trial(5));
  auto kept = [&](int n) { return std::filesystem::exists(study_checkpoint_path(dir.path(), n)); };
  EXPECT_FALSE(kept(0));  // member 0 went on from it: nobody reads it now
  EXPECT_TRUE(kept(1));   // member 0's newest
  EXPECT_TRUE(kept(2));   // trial 3 starts from it
  EXPECT_TRUE(kept(3));   // written by a trial storage still shows running
  EXPECT_TRUE(kept(4));   // the best trial's
  EXPECT_TRUE(kept(5));   // member 2's newest
  EXPECT_TRUE(std::filesystem::exists(temporary));
}

}  // namespace
}  // namespace tune
