#pragma once
// Runs a program without a shell, capturing the tails of its stdout and stderr, with a timeout
// and a stop request that end it (SIGTERM to its process group, then SIGKILL). The program runs
// in a process group of its own under a keeper process (objective/keeper.h), so that nothing
// it started outlives its run: the group is killed when the program exits, when run_process
// leaves for any reason (an exception included), and when tune dies, even by SIGKILL. The
// keeper is always reaped and every descriptor closed, whatever happens.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tune {

struct ProcessSpec {
  std::vector<std::string> argv;      // argv[0] is looked up in PATH
  std::vector<std::string> env;       // "NAME=value" added to (or replacing in) the environment
  std::optional<double> timeout;      // seconds of wall clock
  std::function<bool()> should_stop;  // polled while the program runs
  double kill_grace = 2.0;            // seconds between SIGTERM and SIGKILL
  size_t stdout_keep = 64 * 1024;     // bytes kept from the end of stdout
  size_t stderr_keep = 2048;          // bytes kept from the end of stderr
  // Called with each complete line of stdout (without its newline) as the program prints it,
  // on the calling thread; a last line without a newline comes when the program ends.
  std::function<void(const std::string& line)> on_stdout_line;
};

struct ProcessResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool timed_out = false;
  bool stopped = false;  // should_stop() turned true
  std::string out;       // the tail of stdout
  std::string err;       // the tail of stderr
  double seconds = 0;
};

// Throws std::runtime_error when the program cannot be started (not found, not executable).
ProcessResult run_process(const ProcessSpec& spec);

// `text` with invalid UTF-8 bytes replaced by '?' (so it can be stored as JSON).
std::string valid_utf8(const std::string& text);

// A program's output made safe to store and to print on a terminal: valid UTF-8, carriage
// returns (progress bars) as newlines, and every other control character (escape sequences,
// C1 controls, DEL) but newline and tab replaced by '?'.
std::string printable(const std::string& text);

}  // namespace tune
