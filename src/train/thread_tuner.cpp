#include "train/thread_tuner.h"

#include <ATen/Parallel.h>

#include <algorithm>

namespace tune {

ThreadTuner::ThreadTuner(int max_threads, int warm, int timed, double min_seconds)
    : warm_(std::max(0, warm)),
      timed_(std::max(1, timed)),
      min_seconds_(min_seconds),
      chosen_(std::max(1, max_threads)) {
  if (max_threads <= 1) return;
  for (int n : {max_threads, max_threads / 2, 1})
    if (n >= 1 && std::find(candidates_.begin(), candidates_.end(), n) == candidates_.end())
      candidates_.push_back(n);
}

void ThreadTuner::begin_epoch() {
  if (candidates_.empty()) return;
  probing_ = true;
  candidate_ = 0;
  batch_ = 0;
  times_.assign(candidates_.size(), 0.0);
  timed_batches_.assign(candidates_.size(), 0);
}

void ThreadTuner::before_batch() {
  if (probing_ && batch_ == 0) at::set_num_threads(candidates_[candidate_]);
}

void ThreadTuner::after_batch(double seconds) {
  if (!probing_) return;
  if (batch_ >= warm_) {
    times_[candidate_] += seconds;
    ++timed_batches_[candidate_];
  }
  ++batch_;
  // Long enough to span several scheduler time slices (a few ms each): a thread that shares
  // its core with another process runs in some slices and waits in the others.
  const bool enough = batch_ >= warm_ + timed_ && times_[candidate_] >= min_seconds_;
  if (!enough && batch_ < warm_ + kMaxTimedBatches) return;
  batch_ = 0;
  if (++candidate_ < candidates_.size()) return;
  probing_ = false;
  // The mean, not the median: on a busy core most batches are as fast as ever and some stall
  // while a thread waits for its core; the stalls are the cost.
  auto mean = [&](size_t i) { return times_[i] / std::max(1, timed_batches_[i]); };
  size_t best = 0;
  for (size_t i = 1; i < times_.size(); ++i)
    if (mean(i) < mean(best)) best = i;
  chosen_ = candidates_[best];
  at::set_num_threads(chosen_);
}

}  // namespace tune
