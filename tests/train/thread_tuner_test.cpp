#include "train/thread_tuner.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

namespace tune {
namespace {

// Feeds the tuner one epoch of batch times given per thread count; returns its choice.
int choose(ThreadTuner& tuner, const std::map<int, double>& seconds_per_batch, int batches) {
  tuner.begin_epoch();
  for (int i = 0; i < batches; ++i) {
    tuner.before_batch();
    tuner.after_batch(seconds_per_batch.at(at::get_num_threads()));
  }
  return tuner.chosen();
}

TEST(ThreadTuner, CandidatesAreAllHalfAndOne) {
  EXPECT_EQ(ThreadTuner(8).candidates(), (std::vector<int>{8, 4, 1}));
  EXPECT_EQ(ThreadTuner(2).candidates(), (std::vector<int>{2, 1}));
  EXPECT_TRUE(ThreadTuner(1).candidates().empty());  // nothing to choose
}

TEST(ThreadTuner, PicksTheFastestCountAndProbesAgainEachEpoch) {
  const int before = at::get_num_threads();
  at::set_num_threads(4);
  ThreadTuner tuner(4, /*warm=*/1, /*timed=*/3, /*min_seconds=*/0);
  // A busy core: four threads wait for the one that lost its core.
  EXPECT_EQ(choose(tuner, {{4, 0.050}, {2, 0.004}, {1, 0.005}}, 40), 2);
  EXPECT_EQ(at::get_num_threads(), 2) << "the rest of the epoch runs with the choice";
  // The other process went away: all four are fastest again.
  EXPECT_EQ(choose(tuner, {{4, 0.001}, {2, 0.002}, {1, 0.004}}, 40), 4);
  EXPECT_EQ(at::get_num_threads(), 4);
  at::set_num_threads(before);
}

TEST(ThreadTuner, WarmBatchesAreNotTimed) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  ThreadTuner tuner(2, /*warm=*/2, /*timed=*/2, /*min_seconds=*/0);
  tuner.begin_epoch();
  // Two slow warm-up batches with 2 threads (first allocations), then fast ones.
  for (double s : {1.0, 1.0, 0.001, 0.001}) {
    tuner.before_batch();
    tuner.after_batch(s);
  }
  for (double s : {0.002, 0.002, 0.002, 0.002}) {
    tuner.before_batch();
    tuner.after_batch(s);
  }
  EXPECT_EQ(tuner.chosen(), 2);
  at::set_num_threads(before);
}

// A thread sharing its core with another process runs fast in some scheduler slices and
// stalls in others: a candidate is timed for at least min_seconds, so the stalls are seen.
TEST(ThreadTuner, TimesEachCandidateLongEnoughToSeeStalls) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  ThreadTuner tuner(2, /*warm=*/0, /*timed=*/4, /*min_seconds=*/0.02);
  tuner.begin_epoch();
  int two = 0;
  // Two threads: four fast batches, then a stall every other batch; one thread: steady.
  for (int i = 0; i < 200 && tuner.chosen() == 2 && at::get_num_threads() == 2; ++i) {
    tuner.before_batch();
    if (at::get_num_threads() != 2) break;
    tuner.after_batch(two < 4 ? 0.0005 : (two % 2 ? 0.004 : 0.0005));
    ++two;
  }
  EXPECT_GT(two, 4) << "four fast batches alone do not end the probe";
  for (int i = 0; i < 200 && at::get_num_threads() == 1; ++i) {
    tuner.before_batch();
    tuner.after_batch(0.001);
    if (tuner.chosen() == 1) break;
  }
  EXPECT_EQ(tuner.chosen(), 1);
  at::set_num_threads(before);
}

}  // namespace
}  // namespace tune
