#pragma once
// Read-only file systems and unprivileged users for tests that run as root, which ignores
// permission bits: a forked child makes a directory read-only in a mount namespace of its own
// (a bind mount of the directory onto itself, remounted read-only), or gives up root, and then
// runs the code under test. The parent's view of the file system is never changed.
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <optional>
#include <string>

namespace tune::testing {

// In a child process only: `dir` becomes a read-only file system for this process and the
// processes it starts. False where the system does not allow it (no CAP_SYS_ADMIN).
inline bool make_read_only_file_system(const std::string& dir) {
  if (unshare(CLONE_NEWNS) != 0) return false;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  if (mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) return false;
  return mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
}

// In a child process only: permission bits apply from now on (root becomes nobody).
inline bool become_unprivileged() {
  if (geteuid() != 0) return true;
  const gid_t nobody_group = 65534;
  const uid_t nobody = 65534;
  return setgroups(0, nullptr) == 0 && setgid(nobody_group) == 0 && setuid(nobody) == 0;
}

// Runs `setup` and then `body` in a forked child. Returns what `body` returned ("" when its
// checks passed, else what failed; an exception's what()), or nullopt when `setup` failed and
// the test should be skipped.
inline std::optional<std::string> run_in_child(const std::function<bool()>& setup,
                                               const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (!setup()) _exit(77);
    std::string message;
    try {
      message = body();
    } catch (const std::exception& e) {
      message = std::string("threw: ") + e.what();
    }
    ssize_t written = write(fds[1], message.data(), message.size());
    _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string message;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) return std::nullopt;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child failed: " + message;
  return message;
}

}  // namespace tune::testing
