#pragma once
// Runs the tune binary from tests: to completion (capturing output), or in the background to
// be killed or interrupted; and watches the processes it starts (pid files, whether they
// ended).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tune::testing {

// Whether process `pid` has ended: no longer there, or a zombie (dead; whoever inherited it
// reaps it, and the init of a container may never do so).
inline bool process_ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;
  size_t paren = text.rfind(')');  // the name may hold spaces and parentheses
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] == 'Z' ||
         text[paren + 2] == 'X';
}

// The pid a program wrote to `path`, waiting up to `seconds` for it to appear; -1 if it
// never did.
inline pid_t wait_for_pid_file(const std::string& path, double seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

// Waits up to `seconds` for `pid` to end; true once it has.
inline bool wait_ended(pid_t pid, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!process_ended(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

struct Finished {
  int code = -1;  // exit status, or 128 + signal
  std::string out, err;
};

class Process {
 public:
  // Starts `args` (args[0] is the program) in `cwd` (default: here) with stdout and stderr
  // sent to files.
  Process(const std::vector<std::string>& args, const std::string& output_prefix,
          const std::string& cwd = "")
      : out_path_(output_prefix + ".out"), err_path_(output_prefix + ".err") {
    pid_ = fork();
    if (pid_ == 0) {
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
      int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { kill(pid_, sig); }

  Finished wait() {
    Finished f;
    int status = 0;
    if (!reaped_ && waitpid(pid_, &status, 0) == pid_) {
      reaped_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    f.code = code_;
    f.out = read(out_path_);
    f.err = read(err_path_);
    return f;
  }

 private:
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int code_ = -1;
  std::string out_path_, err_path_;
};

#ifdef TUNE_BINARY
// Runs the tune binary with `args` to completion; its output goes to files `prefix`0, 1, ...
// (numbered per process, so that no two runs share one).
inline Finished run_tune_binary(std::vector<std::string> args, const std::string& prefix) {
  static int runs = 0;
  args.insert(args.begin(), TUNE_BINARY);
  Process p(args, prefix + std::to_string(runs++));
  return p.wait();
}
#endif

}  // namespace tune::testing
