#include "train/thread_tuner.h"

#include <ATen/Parallel.h>

#include <algorithm>

namespace tune {

ThreadTuner::ThreadTuner(int max_threads, int warm, int timed)
    : warm_(std::max(0, warm)), timed_(std::max(1, timed)), chosen_(std::max(1, max_threads)) {
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
  times_.assign(candidates_.size(), {});
}

void ThreadTuner::before_batch() {
  if (probing_ && batch_ == 0) at::set_num_threads(candidates_[candidate_]);
}

void ThreadTuner::after_batch(double seconds) {
  if (!probing_) return;
  if (batch_ >= warm_) times_[candidate_].push_back(seconds);
  if (++batch_ < warm_ + timed_) return;
  batch_ = 0;
  if (++candidate_ < candidates_.size()) return;
  probing_ = false;
  // The median: a batch that another process's burst slowed down says little about the count.
  size_t best = 0;
  double best_time = 0;
  for (size_t i = 0; i < times_.size(); ++i) {
    auto& t = times_[i];
    std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
    if (i == 0 || t[t.size() / 2] < best_time) {
      best = i;
      best_time = t[t.size() / 2];
    }
  }
  chosen_ = candidates_[best];
  at::set_num_threads(chosen_);
}

}  // namespace tune
