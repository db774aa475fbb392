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

TEST(ThreadTuner, CandidatesAreOneHalfAndAll) {
  EXPECT_EQ(ThreadTuner(8).candidates(), (std::vector<int>{1, 4, 8}));
  EXPECT_EQ(ThreadTuner(2).candidates(), (std::vector<int>{1, 2}));
  EXPECT_TRUE(ThreadTuner(1).candidates().empty());  // nothing to choose
}

TEST(ThreadTuner, PicksTheFastestCountAndProbesAgainAfterEnoughBatches) {
  const int before = at::get_num_threads();
  at::set_num_threads(4);
  ThreadTuner tuner(4, /*warm=*/1, /*timed=*/3, /*min_seconds=*/0);
  // A busy core: four threads wait for the one that lost its core.
  EXPECT_EQ(choose(tuner, {{4, 0.050}, {2, 0.004}, {1, 0.005}}, 40), 2);
  EXPECT_EQ(at::get_num_threads(), 2) << "the rest of the epoch runs with the choice";
  // The other process went away, but the choice stands until kReprobeAfter times the probe's
  // 9 batches (4 with one thread, 4 with two, 1 with four: dropped) have trained: 31 were left
  // in the first epoch; the first 10-batch epoch that starts with enough behind it starts a
  // 12-batch probe, and the next epoch ends it.
  const int probe_starts = (ThreadTuner::kReprobeAfter * 9 - 31 + 9) / 10;
  int epochs = 0;
  std::map<int, double> quiet = {{4, 0.001}, {2, 0.002}, {1, 0.004}};
  while (choose(tuner, quiet, 10) == 2 && epochs < 1000) ++epochs;
  EXPECT_EQ(epochs, probe_starts + 1);
  EXPECT_EQ(tuner.chosen(), 4);
  EXPECT_EQ(at::get_num_threads(), 4);
  at::set_num_threads(before);
}

TEST(ThreadTuner, DropsACandidateOnceItIsSurelySlower) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  ThreadTuner tuner(2, /*warm=*/2, /*timed=*/8, /*min_seconds=*/0);
  tuner.begin_epoch();
  int two = 0;
  for (int i = 0; i < 100 && tuner.probing(); ++i) {
    tuner.before_batch();
    const bool with_two = at::get_num_threads() == 2;
    two += with_two;
    tuner.after_batch(with_two ? 0.1 : 0.001);  // one thread probes in 10 x 1 ms
  }
  EXPECT_EQ(two, 1) << "one 100 ms batch is more than twice one thread's whole probe";
  EXPECT_EQ(tuner.chosen(), 1);
  at::set_num_threads(before);
}

TEST(ThreadTuner, WarmBatchesAreNotTimed) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  ThreadTuner tuner(2, /*warm=*/2, /*timed=*/2, /*min_seconds=*/0);
  tuner.begin_epoch();
  // One thread: two slow warm-up batches (first allocations), then fast ones.
  for (double s : {0.004, 0.004, 0.002, 0.002}) {
    tuner.before_batch();
    tuner.after_batch(s);
  }
  // Two threads: as slow as one in the warm-up, then faster.
  for (double s : {0.004, 0.004, 0.001, 0.001}) {
    tuner.before_batch();
    tuner.after_batch(s);
  }
  EXPECT_FALSE(tuner.probing());
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
  // One thread: steady; two threads: four fast batches, then a stall every other batch.
  for (int i = 0; i < 400 && tuner.probing(); ++i) {
    tuner.before_batch();
    if (at::get_num_threads() == 1) {
      tuner.after_batch(0.001);
      continue;
    }
    tuner.after_batch(two < 4 ? 0.0005 : (two % 2 ? 0.004 : 0.0005));
    ++two;
  }
  EXPECT_GT(two, 4) << "four fast batches alone do not end the probe";
  EXPECT_EQ(tuner.chosen(), 1);
  at::set_num_threads(before);
}

}  // namespace
}  // namespace tune
