// The GPU machine has no debugger: a GPU test that crashes prints where (the faulting
// instruction, the return address on top of the stack, and the unwound frames, each as
// module(+offset) for addr2line) before dying with the same signal.
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>

namespace {

void print_address(const char* label, void* address) {
  Dl_info info{};
  char line[512];
  int n = 0;
  if (address && dladdr(address, &info) && info.dli_fname)
    n = std::snprintf(line, sizeof line, "  %s %p = %s(+0x%lx) %s\n", label, address,
                      info.dli_fname,
                      static_cast<unsigned long>(reinterpret_cast<uintptr_t>(address) -
                                                 reinterpret_cast<uintptr_t>(info.dli_fbase)),
                      info.dli_sname ? info.dli_sname : "");
  else
    n = std::snprintf(line, sizeof line, "  %s %p (no module)\n", label, address);
  ssize_t ignored = write(STDERR_FILENO, line, static_cast<size_t>(n));
  (void)ignored;
}

extern "C" void report_crash(int sig, siginfo_t* info, void* context) {
  char header[160];
  int n = std::snprintf(header, sizeof header,
                        "\n*** signal %d at address %p on thread %ld (main %d)\n", sig,
                        info->si_addr, static_cast<long>(syscall(SYS_gettid)), getpid());
  ssize_t ignored = write(STDERR_FILENO, header, static_cast<size_t>(n));
  (void)ignored;
  auto* uc = static_cast<ucontext_t*>(context);
  void* pc = reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
  void** sp = reinterpret_cast<void**>(uc->uc_mcontext.gregs[REG_RSP]);
  print_address("pc", pc);
  if (sp) print_address("[sp]", *sp);  // the caller, after a call through a bad pointer
  void* frames[64];
  int count = backtrace(frames, 64);
  for (int i = 0; i < count; ++i) print_address("frame", frames[i]);
  signal(sig, SIG_DFL);
  raise(sig);
}

struct InstallCrashReport {
  InstallCrashReport() {
    struct sigaction action {};
    action.sa_sigaction = report_crash;
    action.sa_flags = SA_SIGINFO;
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGILL}) sigaction(sig, &action, nullptr);
  }
} const kInstall;

}  // namespace
