#pragma once
// Ctrl-C and SIGTERM for a run. While an InterruptScope lives, SIGINT and SIGTERM drive its
// RunControl:
// - Ctrl-C once: no new trials; running ones finish. Twice: running trials are stopped and
//   recorded as failed ("interrupted"). A third time: exit now (trials left running are failed
//   as stale when the study is next opened).
// - SIGTERM (a job scheduler, `kill`): running trials are stopped at once and recorded; a
//   second one exits without waiting.
// The RunControl notes which signal it was (note_signal), so that the CLI exits with 128 plus
// that signal: 130 after Ctrl-C, 143 after SIGTERM, as a shell reports a process they killed.
// Trial programs never outlive tune, however it ends (see objective/keeper.h).
// The previous handlers come back when the scope ends. One scope at a time per process.
//
// StopOnSignal is for a command that serves until it is told to stop (tune dashboard): while
// it lives, SIGINT and SIGTERM call `on_stop` once, on a watcher thread (the handler only
// writes a byte to a pipe, so `on_stop` may lock, allocate and join).
#include <functional>
#include <thread>

namespace tune {

class RunControl;

class InterruptScope {
 public:
  explicit InterruptScope(RunControl& control);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_int_)(int) = nullptr;
  void (*previous_term_)(int) = nullptr;
};

class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> on_stop);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  void watch();

  std::function<void()> on_stop_;
  int pipe_[2] = {-1, -1};
  std::thread watcher_;
  void (*previous_int_)(int) = nullptr;
  void (*previous_term_)(int) = nullptr;
};

}  // namespace tune
