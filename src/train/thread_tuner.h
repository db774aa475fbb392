#pragma once
// Chooses the intra-op thread count of the calling thread by measuring. A small model on a CPU
// whose cores are busy (another process holding one of them) slows down many times with
// several intra-op threads: every op waits for the thread that lost its core. The best count
// depends on the model, the batch and the machine's load at the moment, so it is measured
// rather than guessed: at the start of an epoch the trainer times a few batches with each
// candidate count (one thread, half of them, all allowed) and runs on with the fastest (by the
// mean batch time). The probe batches are ordinary training steps; only their thread count
// differs. A count fixed by the user (`--threads N`) is never tuned.
//
// Probing costs: on a busy 2-core machine a batch with two threads can take ten times one
// thread's, and small trials have short epochs (30 batches), so probing every epoch with every
// candidate in full would spend most of the training in the probe. Hence: the fewest threads
// are timed first, and a later candidate is dropped as soon as its batches have taken longer
// than twice what the best one needed for its whole probe; and after a probe the choice is
// kept until kReprobeAfter times the probe's batches have trained (the first epoch always
// probes, later epochs only when that many batches have passed). A study's worker keeps one
// tuner for all its trials (ThreadTunerScope), so a trial starts with the count its
// predecessors found rather than probing again.
#include <vector>

namespace tune {

class ThreadTuner {
 public:
  // `max_threads` <= 1 leaves the count alone. Per candidate, `warm` batches are run untimed
  // (caches, allocations, the thread pool waking), then at least `timed` batches and
  // `min_seconds` are measured (at most kMaxTimedBatches batches).
  explicit ThreadTuner(int max_threads, int warm = 2, int timed = 8, double min_seconds = 0.05);
  static constexpr int kMaxTimedBatches = 256;
  static constexpr int kReprobeAfter = 32;

  int max_threads() const { return max_threads_; }
  // Sets the calling thread's count to the current choice (or the probe's candidate): a new
  // trial on a worker whose tuner is shared starts from it.
  void apply() const;
  void begin_epoch();                // probes again if enough batches ran since the last probe
  void before_batch();               // sets the calling thread's count for the next batch
  void after_batch(double seconds);  // that batch's wall time
  // The count in use after the last probe (max_threads before the first one ends).
  int chosen() const { return chosen_; }
  const std::vector<int>& candidates() const { return candidates_; }
  // Whether a probe is under way (for tests).
  bool probing() const { return probing_; }

 private:
  void next_candidate();
  double mean(size_t i) const;

  std::vector<int> candidates_;     // fewest threads first
  std::vector<double> times_;       // measured seconds per candidate, this probe
  std::vector<int> timed_batches_;  // and how many batches they cover
  std::vector<bool> dropped_;       // too slow to finish its probe
  int warm_, timed_;
  double min_seconds_;
  bool probing_ = false;
  size_t candidate_ = 0;
  int batch_ = 0;          // batches run with the current candidate
  double spent_ = 0;       // their seconds, warm ones included
  int probe_batches_ = 0;  // batches the last probe took
  int since_probe_ = 0;    // batches trained since the last probe ended
  bool probed_once_ = false;
  int max_threads_;
  int chosen_;
};

// Makes `tuner` the calling thread's shared tuner for as long as the scope lives (a worker's,
// used by each trial it trains); scopes nest.
class ThreadTunerScope {
 public:
  explicit ThreadTunerScope(ThreadTuner& tuner);
  ~ThreadTunerScope();
  ThreadTunerScope(const ThreadTunerScope&) = delete;
  ThreadTunerScope& operator=(const ThreadTunerScope&) = delete;

 private:
  ThreadTuner* previous_;
};

// The calling thread's shared tuner, or nullptr outside any ThreadTunerScope.
ThreadTuner* current_thread_tuner();

}  // namespace tune
