#include "objective/keeper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace tune {
namespace {

// The keeper's descriptors after arrange_fds: 0-2 for the program, then these two.
constexpr int kReportFd = 3;
constexpr int kStatusFd = 4;

void write_int(int fd, int value) {
  ssize_t ignored = write(fd, &value, sizeof value);
  (void)ignored;
}

extern "C" void kill_own_group(int) {
  kill(0, SIGKILL);
}

void set_handler(int sig, void (*handler)(int)) {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(sig, &action, nullptr);
}

// Closes every descriptor from `first` up: the keeper outlives the fork by the length of the
// trial, and a copy of another trial's pipe end held here would keep that trial's tune side
// from ever seeing end of file.
void close_from(int first) {
  if (close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  struct rlimit limit;
  int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                ? static_cast<int>(limit.rlim_cur)
                : 65536;
  for (int fd = first; fd < top; ++fd) close(fd);
}

// stdin from /dev/null, stdout and stderr to the pipes, the report and status pipes at 3 and
// 4, nothing else. Copies above 9 first, so that no dup2 overwrites a descriptor still needed.
void arrange_fds(const KeeperArgs& a) {
  int out = fcntl(a.out_fd, F_DUPFD, 10), err = fcntl(a.err_fd, F_DUPFD, 10);
  int report = fcntl(a.report_fd, F_DUPFD, 10), status = fcntl(a.status_fd, F_DUPFD, 10);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  dup2(report, kReportFd);
  dup2(status, kStatusFd);
  close_from(kStatusFd + 1);
}

// The program, forked by the keeper: tune's signal setup undone, then exec.
[[noreturn]] void exec_program(const KeeperArgs& a, pid_t keeper) {
  close(kStatusFd);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != keeper) _exit(127);
  fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) set_handler(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(a.argv[0], a.argv, a.envp);
  write_int(kReportFd, errno);
  _exit(127);
}

}  // namespace

void run_keeper(const KeeperArgs& a) {
  // tune forked with every signal blocked, so none of its handlers can run here.
  setpgid(0, 0);
  set_handler(SIGHUP, kill_own_group);
  set_handler(SIGCHLD, SIG_DFL);  // an ignored SIGCHLD would make waitpid fail
  sigset_t all_but_hup;
  sigfillset(&all_but_hup);
  sigdelset(&all_but_hup, SIGHUP);
  sigprocmask(SIG_SETMASK, &all_but_hup, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGHUP);
  if (getppid() != a.parent) kill_own_group(SIGHUP);  // tune died before PDEATHSIG was set
  arrange_fds(a);

  const pid_t keeper = getpid();
  pid_t program = fork();
  if (program == 0) exec_program(a, keeper);
  if (program < 0) {
    write_int(kReportFd, errno);
    _exit(127);
  }
  close(kReportFd);  // its end of file now means the program was exec'd
  int status = 0;
  while (waitpid(program, &status, 0) < 0 && errno == EINTR) {
  }
  write_int(kStatusFd, status);
  kill(0, SIGKILL);  // the program's leftovers, and the keeper with them
  _exit(0);
}

}  // namespace tune
