#include "train/thread_tuner.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <limits>

namespace tune {

ThreadTuner::ThreadTuner(int max_threads, int warm, int timed, double min_seconds)
    : warm_(std::max(0, warm)),
      timed_(std::max(1, timed)),
      min_seconds_(min_seconds),
      max_threads_(std::max(1, max_threads)),
      chosen_(std::max(1, max_threads)) {
  if (max_threads <= 1) return;
  for (int n : {1, max_threads / 2, max_threads})
    if (n >= 1 && std::find(candidates_.begin(), candidates_.end(), n) == candidates_.end())
      candidates_.push_back(n);
}

void ThreadTuner::apply() const {
  at::set_num_threads(probing_ ? candidates_[candidate_] : chosen_);
}

void ThreadTuner::begin_epoch() {
  if (candidates_.empty() || probing_) return;
  if (probed_once_ && since_probe_ < kReprobeAfter * probe_batches_) return;
  probing_ = true;
  candidate_ = 0;
  batch_ = 0;
  spent_ = 0;
  probe_batches_ = 0;
  times_.assign(candidates_.size(), 0.0);
  timed_batches_.assign(candidates_.size(), 0);
  dropped_.assign(candidates_.size(), false);
}

void ThreadTuner::before_batch() {
  if (probing_ && batch_ == 0) at::set_num_threads(candidates_[candidate_]);
}

double ThreadTuner::mean(size_t i) const {
  if (dropped_[i]) return std::numeric_limits<double>::infinity();
  return times_[i] / std::max(1, timed_batches_[i]);
}

void ThreadTuner::after_batch(double seconds) {
  if (!probing_) {
    ++since_probe_;
    return;
  }
  ++probe_batches_;
  if (batch_ >= warm_) {
    times_[candidate_] += seconds;
    ++timed_batches_[candidate_];
  }
  ++batch_;
  spent_ += seconds;
  // What the best candidate so far needed for its whole probe, warm batches included.
  double best_probe = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < candidate_; ++i)
    best_probe = std::min(best_probe, mean(i) * (warm_ + std::max(timed_, timed_batches_[i])));
  if (spent_ > 2 * best_probe) {
    dropped_[candidate_] = true;
    next_candidate();
    return;
  }
  // Long enough to span several scheduler time slices (a few ms each): a thread that shares
  // its core with another process runs in some slices and waits in the others.
  const bool enough = batch_ >= warm_ + timed_ && times_[candidate_] >= min_seconds_;
  if (!enough && batch_ < warm_ + kMaxTimedBatches) return;
  next_candidate();
}

void ThreadTuner::next_candidate() {
  batch_ = 0;
  spent_ = 0;
  if (++candidate_ < candidates_.size()) return;
  probing_ = false;
  probed_once_ = true;
  since_probe_ = 0;
  // The mean, not the median: on a busy core most batches are as fast as ever and some stall
  // while a thread waits for its core; the stalls are the cost.
  size_t best = 0;
  for (size_t i = 1; i < times_.size(); ++i)
    if (mean(i) < mean(best)) best = i;
  chosen_ = candidates_[best];
  at::set_num_threads(chosen_);
}

namespace {
// Set by a worker's scope on the worker's own thread: a per-thread handle, like the CUDA stream
// guard the worker also holds, not state shared between threads.
thread_local ThreadTuner* current_tuner = nullptr;
}  // namespace

ThreadTunerScope::ThreadTunerScope(ThreadTuner& tuner) : previous_(current_tuner) {
  current_tuner = &tuner;
}

ThreadTunerScope::~ThreadTunerScope() {
  current_tuner = previous_;
}

ThreadTuner* current_thread_tuner() {
  return current_tuner;
}

}  // namespace tune
