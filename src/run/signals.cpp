#include "run/signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

#include "run/run_loop.h"

namespace tune {
namespace {

// The run being interrupted. A signal handler can reach nothing else; it is set only while
// an InterruptScope lives.
std::atomic<RunControl*> g_interruptible{nullptr};

void say(const char* line) {  // async-signal-safe
  ssize_t ignored = write(STDERR_FILENO, line, strlen(line));
  (void)ignored;
}

extern "C" void on_interrupt(int) {
  RunControl* control = g_interruptible.load();
  if (control) control->note_signal(SIGINT);
  if (control && !control->interrupted()) {
    control->interrupt();
    say("\ntune: stopping: no new trials; running ones finish (Ctrl-C again to stop them)\n");
    return;
  }
  if (control && !control->trials_stopped()) {
    control->stop_trials();
    say("\ntune: stopping the running trials; they are recorded as failed\n");
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

extern "C" void on_terminate(int) {
  RunControl* control = g_interruptible.load();
  if (control) control->note_signal(SIGTERM);
  if (control && !control->trials_stopped()) {
    control->interrupt();
    control->stop_trials();
    say("\ntune: terminated: stopping the running trials; they are recorded as failed\n");
    return;
  }
  std::signal(SIGTERM, SIG_DFL);
  std::raise(SIGTERM);
}

}  // namespace

InterruptScope::InterruptScope(RunControl& control) {
  g_interruptible.store(&control);
  previous_int_ = std::signal(SIGINT, on_interrupt);
  previous_term_ = std::signal(SIGTERM, on_terminate);
}

InterruptScope::~InterruptScope() {
  std::signal(SIGINT, previous_int_);
  std::signal(SIGTERM, previous_term_);
  g_interruptible.store(nullptr);
}

}  // namespace tune
