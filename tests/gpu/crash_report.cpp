// The GPU machine has no debugger: a GPU test that crashes prints its stack (addresses to feed
// to addr2line) before dying with the same signal.
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

namespace {

extern "C" void report_crash(int sig) {
  const char header[] = "\n*** crashed; stack (addr2line -f -C -e BINARY +OFFSET):\n";
  ssize_t ignored = write(STDERR_FILENO, header, sizeof header - 1);
  (void)ignored;
  void* frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  signal(sig, SIG_DFL);
  raise(sig);
}

struct InstallCrashReport {
  InstallCrashReport() {
    signal(SIGSEGV, report_crash);
    signal(SIGABRT, report_crash);
    signal(SIGBUS, report_crash);
  }
} const kInstall;

}  // namespace
