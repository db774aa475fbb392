#include "objective/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "objective/keeper.h"

extern char** environ;

namespace tune {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The environment for the child: ours, with `extra` added or replacing same-named entries.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const std::string& x : extra)
      replaced = replaced || entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// One output stream: its tail, and (for stdout) the line being assembled for on_line.
struct Stream {
  std::string tail;
  size_t keep = 0;
  std::function<void(const std::string&)> on_line;
  std::string line;

  void take(const char* data, size_t n) {
    tail.append(data, n);
    if (tail.size() > 2 * keep + 4096) tail.erase(0, tail.size() - keep);
    if (!on_line) return;
    for (size_t i = 0; i < n; ++i) {
      if (data[i] != '\n') {
        if (line.size() < 65536) line += data[i];  // a runaway line is cut, not hoarded
        continue;
      }
      on_line(line);
      line.clear();
    }
  }
  void end() {
    if (on_line && !line.empty()) on_line(line);
    line.clear();
  }
};

// Reads what is available on `fd`; closes it at end of file.
void drain(int& fd, Stream& stream) {
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
      stream.take(chunk, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof chunk) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_fd(fd);  // end of file, or an error we cannot recover from
    stream.end();
    return;
  }
}

struct Pipes {
  int fds[8] = {-1, -1, -1, -1, -1, -1, -1, -1};  // out r/w, err r/w, report r/w, status r/w
  ~Pipes() {
    for (int& fd : fds) close_fd(fd);
  }
};

// Waits for events on the open pipes, at most `ms` milliseconds.
void wait_output(Pipes& p, int ms) {
  pollfd set[2];
  nfds_t n = 0;
  for (int i : {0, 2})
    if (p.fds[i] >= 0) set[n++] = pollfd{p.fds[i], POLLIN, 0};
  poll(n ? set : nullptr, n, ms);
}

// Forks the keeper (keeper.h) with every signal blocked in this thread, so that none of tune's
// handlers runs in the child before it sets up its own.
pid_t fork_keeper(Pipes& p, char** argv, char** envp) {
  KeeperArgs args{argv, envp, getpid(), p.fds[1], p.fds[3], p.fds[5], p.fds[7]};
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) run_keeper(args);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(fork_errno));
  setpgid(pid, pid);  // also here, so a kill right away reaches the group
  return pid;
}

// The keeper, whose pid is also the group of everything the program started. The group is
// signalled only while the keeper is unreaped: until then its id cannot be reused.
class Child {
 public:
  Child(pid_t keeper, int status_fd, const ProcessSpec& spec)
      : pid_(keeper), status_fd_(status_fd), spec_(spec) {}
  // Leaving early (an exception from a callback, a program that cannot start): end the group.
  ~Child() {
    ProcessResult ignored;
    finish(ignored);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Sends SIGTERM once asked to end, SIGKILL once the grace period is over.
  void enforce(ProcessResult& result) {
    if (!terminating_) {
      if (spec_.should_stop && spec_.should_stop())
        result.stopped = true;
      else if (spec_.timeout && since(start_) > *spec_.timeout)
        result.timed_out = true;
      else
        return;
      kill(-pid_, SIGTERM);
      terminating_ = true;
      term_at_ = Clock::now();
    } else if (!killed_ && since(term_at_) > spec_.kill_grace) {
      kill(-pid_, SIGKILL);
      killed_ = true;
    }
  }
  bool poll_exit(ProcessResult& result) {
    if (reaped_) return true;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) record(status, result);
    return reaped_;
  }
  // Ends and reaps it for sure (used when leaving for any reason).
  void finish(ProcessResult& result) {
    if (reaped_) return;
    kill(-pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    record(status, result);
  }
  double seconds() const { return since(start_); }
  double since_exit() const { return since(exited_at_); }

 private:
  // The program's status as its keeper reported it; the keeper's own when the group was
  // killed before the program ended.
  void record(int keeper_status, ProcessResult& result) {
    reaped_ = true;
    exited_at_ = Clock::now();
    int status = keeper_status, program_status = 0;
    if (read(status_fd_, &program_status, sizeof program_status) == sizeof program_status)
      status = program_status;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  pid_t pid_;
  int status_fd_;
  const ProcessSpec& spec_;
  Clock::time_point start_ = Clock::now(), term_at_, exited_at_;
  bool terminating_ = false, killed_ = false, reaped_ = false;
};

// Blocks until the program was exec'd (0) or could not be (its errno).
int exec_error(int report_fd) {
  int err = 0;
  ssize_t got;
  while ((got = read(report_fd, &err, sizeof err)) < 0 && errno == EINTR) {
  }
  return got == static_cast<ssize_t>(sizeof err) ? err : 0;
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw std::runtime_error("run_process: empty command");
  std::vector<std::string> args = spec.argv, env = child_environment(spec.env);
  std::vector<char*> argv = pointers(args), envp = pointers(env);
  Pipes p;
  for (int i : {0, 2, 4, 6})
    if (pipe2(p.fds + i, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  fcntl(p.fds[6], F_SETFL, O_NONBLOCK);  // read once the keeper is gone: never wait on it
  pid_t pid = fork_keeper(p, argv.data(), envp.data());
  for (int i : {1, 3, 5, 7}) close_fd(p.fds[i]);

  ProcessResult result;
  Child child(pid, p.fds[6], spec);
  if (int err = exec_error(p.fds[4]))
    throw std::runtime_error("cannot run \"" + spec.argv[0] + "\": " + std::strerror(err));
  for (int i : {0, 2}) fcntl(p.fds[i], F_SETFL, fcntl(p.fds[i], F_GETFL) | O_NONBLOCK);

  Stream out{"", spec.stdout_keep, spec.on_stdout_line, ""}, err{"", spec.stderr_keep, {}, ""};
  for (;;) {
    // With both pipes closed the program is about to exit: check back soon.
    wait_output(p, p.fds[0] < 0 && p.fds[2] < 0 ? 1 : 20);
    if (p.fds[0] >= 0) drain(p.fds[0], out);
    if (p.fds[2] >= 0) drain(p.fds[2], err);
    child.enforce(result);
    bool output_closed = p.fds[0] < 0 && p.fds[2] < 0;
    // Once it has exited, stop waiting for pipes that a program it started may still hold.
    if (child.poll_exit(result) && (output_closed || child.since_exit() > 0.2)) break;
  }
  child.finish(result);
  out.end();
  result.seconds = child.seconds();
  result.out = std::move(out.tail);
  result.err = std::move(err.tail);
  if (result.out.size() > spec.stdout_keep)
    result.out.erase(0, result.out.size() - spec.stdout_keep);
  if (result.err.size() > spec.stderr_keep)
    result.err.erase(0, result.err.size() - spec.stderr_keep);
  return result;
}

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (ok) {
      out.append(text, i, len);
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string printable(const std::string& text) {
  const std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(valid[i]);
    bool c1 = c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xA0;
    if (c == '\r') {
      if (i + 1 >= valid.size() || valid[i + 1] != '\n') out += '\n';
    } else if (c1) {
      out += '?';
      ++i;  // both bytes of U+0080..U+009F
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out += '?';
    } else {
      out += valid[i];
    }
  }
  return out;
}

}  // namespace tune
