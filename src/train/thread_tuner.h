#pragma once
// Chooses the intra-op thread count of the calling thread by measuring, epoch by epoch. A small
// model on a CPU whose cores are busy (another process holding one of them) slows down many
// times with several intra-op threads: every op waits for the thread that lost its core. The
// best count depends on the model, the batch and the machine's load at the moment, so it is
// measured rather than guessed: at the start of each epoch the trainer times a few batches with
// each candidate count (all the threads allowed, half of them, one) and runs the rest of the
// epoch with the fastest (by the mean batch time). The probe batches are ordinary training steps;
// only their thread count differs. A count fixed by the user (`--threads N`) is never tuned.
#include <vector>

namespace tune {

class ThreadTuner {
 public:
  // `max_threads` <= 1 leaves the count alone. Per candidate, `warm` batches are run untimed
  // (caches, allocations, the thread pool waking), then at least `timed` batches and
  // `min_seconds` are measured (at most kMaxTimedBatches batches).
  explicit ThreadTuner(int max_threads, int warm = 2, int timed = 8, double min_seconds = 0.05);
  static constexpr int kMaxTimedBatches = 256;

  void begin_epoch();                // probe again: the load may have changed
  void before_batch();               // sets the calling thread's count for the next batch
  void after_batch(double seconds);  // that batch's wall time
  // The count in use after the last probe (max_threads before the first one ends).
  int chosen() const { return chosen_; }
  const std::vector<int>& candidates() const { return candidates_; }

 private:
  std::vector<int> candidates_;     // most threads first
  std::vector<double> times_;       // measured seconds per candidate, this epoch
  std::vector<int> timed_batches_;  // and how many batches they cover
  int warm_, timed_;
  double min_seconds_;
  bool probing_ = false;
  size_t candidate_ = 0;
  int batch_ = 0;  // batches run with the current candidate
  int chosen_;
};

}  // namespace tune
