#pragma once
// The forked side of run_process: a small keeper process that runs the trial program and
// makes sure nothing the program started outlives its trial or tune.
//
// tune forks the keeper; the keeper makes its own process group, forks the program into it
// and waits:
// - The program exits: the keeper writes the program's wait status on `status_fd` and kills
//   its whole group with SIGKILL (itself included), so background children the program left
//   behind end with the trial.
// - tune ends the trial (stop, timeout, prune, an error): tune signals the group; the keeper
//   blocks every signal but SIGHUP, so SIGTERM reaches only the program (and its children),
//   and the keeper then sees it exit as above; SIGKILL ends everyone.
// - tune dies in any way, SIGKILL included: the keeper has PR_SET_PDEATHSIG = SIGHUP, and its
//   SIGHUP handler kills the group. PDEATHSIG only covers a direct child, which is why the
//   keeper exists: the program's own children are reached through the group.
//
// PDEATHSIG fires when the *thread* that forked exits, not the process. Workers are threads,
// but run_process holds its thread until the keeper is reaped, so that thread can only end
// with the whole process, which is exactly when the group must die. The keeper re-checks
// getppid() after setting PDEATHSIG, in case tune died in between. The program gets
// PDEATHSIG = SIGKILL too, should the keeper alone be killed from outside.
//
// Not covered: descendants that leave the group (setsid, setpgid, daemons). Following those
// would need a cgroup per trial.
//
// Everything here runs between fork and exec of a multi-threaded process: only
// async-signal-safe calls, no allocation.
#include <sys/types.h>

namespace tune {

struct KeeperArgs {
  char** argv;    // the program; argv[0] is looked up in PATH
  char** envp;    // its whole environment
  pid_t parent;   // tune's pid, from before the fork
  int out_fd;     // the program's stdout
  int err_fd;     // the program's stderr
  int report_fd;  // close-on-exec: gets errno when the program cannot be started
  int status_fd;  // gets the program's wait status (an int) when it exits
};

// In the child of fork(): becomes the keeper. Never returns.
[[noreturn]] void run_keeper(const KeeperArgs& args);

}  // namespace tune
