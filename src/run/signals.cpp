#include "run/signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

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

// The write end of the live StopOnSignal's pipe; -1 when there is none.
std::atomic<int> g_stop_pipe{-1};

constexpr char kSignalled = 's', kQuit = 'q';

extern "C" void on_stop_signal(int) {
  int saved = errno;  // a handler must leave errno as it found it
  int fd = g_stop_pipe.load();
  if (fd >= 0) {
    ssize_t ignored = write(fd, &kSignalled, 1);
    (void)ignored;
  }
  errno = saved;
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

StopOnSignal::StopOnSignal(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {
  if (pipe2(pipe_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  watcher_ = std::thread([this] { watch(); });
  g_stop_pipe.store(pipe_[1]);
  previous_int_ = std::signal(SIGINT, on_stop_signal);
  previous_term_ = std::signal(SIGTERM, on_stop_signal);
}

StopOnSignal::~StopOnSignal() {
  // The handlers go first, so that no signal writes to a pipe being closed.
  std::signal(SIGINT, previous_int_);
  std::signal(SIGTERM, previous_term_);
  g_stop_pipe.store(-1);
  ssize_t ignored = write(pipe_[1], &kQuit, 1);
  (void)ignored;
  watcher_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

void StopOnSignal::watch() {
  bool stopped = false;
  for (;;) {
    char byte = 0;
    ssize_t n = read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == kQuit) return;
    if (!stopped) on_stop_();  // once, however many signals come
    stopped = true;
  }
}

}  // namespace tune
