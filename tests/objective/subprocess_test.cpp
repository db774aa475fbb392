// run_process leaves nothing behind: a program's background children end with its run however
// the run ends (normal exit, failure, stop, timeout, an exception from a callback), and the
// program and its children die with the caller even when the caller is killed with SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../cli/process.h"
#include "../store/temp_dir.h"
#include "objective/subprocess.h"

namespace tune {
namespace {

using testing::TempDir;
using testing::wait_ended;
using testing::wait_for_pid_file;

// `script` run by sh with the pid files as $1 and $2.
ProcessSpec shell(const std::string& script, const TempDir& dir) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script, "sh", dir.file("a.pid"), dir.file("b.pid")};
  spec.kill_grace = 0.3;
  return spec;
}

// A background child that would run for 100 s, ignoring SIGTERM, its pid in $1.
const std::string kLeftover = "(trap '' TERM; exec sleep 100) & echo $! > \"$1\"; ";

TEST(Subprocess, BackgroundChildEndsWhenTheProgramExits) {
  TempDir dir;
  ProcessResult r = run_process(shell(kLeftover + "echo 1", dir));
  EXPECT_EQ(r.exit_code, 0);
  pid_t leftover = wait_for_pid_file(dir.file("a.pid"));
  ASSERT_GT(leftover, 0);
  EXPECT_TRUE(wait_ended(leftover, 2.0));
}

TEST(Subprocess, BackgroundChildEndsWhenTheProgramFails) {
  TempDir dir;
  ProcessResult r = run_process(shell(kLeftover + "echo boom >&2; exit 3", dir));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "boom\n");
  pid_t leftover = wait_for_pid_file(dir.file("a.pid"));
  ASSERT_GT(leftover, 0);
  EXPECT_TRUE(wait_ended(leftover, 2.0));
}

TEST(Subprocess, ExitStatusAndSignalAreTheProgramsNotTheKeepers) {
  TempDir dir;
  EXPECT_EQ(run_process(shell("exit 7", dir)).exit_code, 7);
  ProcessResult killed = run_process(shell("kill -USR1 $$", dir));
  EXPECT_EQ(killed.signal, SIGUSR1);
  EXPECT_EQ(killed.exit_code, -1);
}

TEST(Subprocess, StopAndTimeoutEndTheWholeGroup) {
  for (bool timeout : {false, true}) {
    TempDir dir;
    ProcessSpec spec = shell(kLeftover + "echo $$ > \"$2\"; trap '' TERM; sleep 100", dir);
    std::atomic<bool> stop{false};
    if (timeout)
      spec.timeout = 0.3;
    else
      spec.should_stop = [&] { return stop.load(); };
    std::thread asker([&] {
      wait_for_pid_file(dir.file("b.pid"));
      stop = true;
    });
    ProcessResult r = run_process(spec);
    asker.join();
    EXPECT_EQ(r.timed_out, timeout);
    EXPECT_EQ(r.stopped, !timeout);
    EXPECT_EQ(r.signal, SIGKILL);  // it ignored SIGTERM
    for (const char* file : {"a.pid", "b.pid"}) {
      pid_t pid = wait_for_pid_file(dir.file(file));
      ASSERT_GT(pid, 0);
      EXPECT_TRUE(wait_ended(pid, 2.0)) << file << (timeout ? " after the timeout" : " stopped");
    }
  }
}

TEST(Subprocess, AnExceptionFromACallbackEndsTheGroup) {
  TempDir dir;
  ProcessSpec spec = shell(kLeftover + "echo $$ > \"$2\"; echo line; sleep 100", dir);
  spec.on_stdout_line = [](const std::string&) { throw std::runtime_error("storage failed"); };
  EXPECT_THROW(run_process(spec), std::runtime_error);
  for (const char* file : {"a.pid", "b.pid"}) {
    pid_t pid = wait_for_pid_file(dir.file(file));
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(wait_ended(pid, 2.0)) << file;
  }
  int status = 0;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // the keeper was reaped
}

// The caller (a forked copy of this test, running the program from a worker thread as tune
// does) is killed with SIGKILL: the program and its background child die with it.
TEST(Subprocess, ProgramAndChildrenDieWithTheCallerEvenBySigkill) {
  TempDir dir;
  ProcessSpec spec = shell(kLeftover + "echo $$ > \"$2\"; sleep 100", dir);
  pid_t caller = fork();
  if (caller == 0) {
    std::thread worker([&] { run_process(spec); });
    worker.join();
    _exit(0);
  }
  ASSERT_GT(caller, 0);
  pid_t leftover = wait_for_pid_file(dir.file("a.pid")),
        program = wait_for_pid_file(dir.file("b.pid"));
  kill(caller, SIGKILL);
  int status = 0;
  waitpid(caller, &status, 0);
  ASSERT_GT(leftover, 0);
  ASSERT_GT(program, 0);
  EXPECT_TRUE(wait_ended(program, 3.0));
  EXPECT_TRUE(wait_ended(leftover, 3.0));
}

TEST(Subprocess, ValidUtf8) {
  EXPECT_EQ(valid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(valid_utf8("\xa9x\xc3"), "?x?");
}

TEST(Subprocess, PrintableKeepsTextAndLineBreaksOnly) {
  EXPECT_EQ(printable("caf\xc3\xa9\tok\nline"), "caf\xc3\xa9\tok\nline");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;title\x07"), "?[2J?]0;title?");
  EXPECT_EQ(printable("10%\r50%\r\n"), "10%\n50%\n");  // progress bars
  EXPECT_EQ(printable("a\xc2\x9b"
                      "31mb\x7f\xa9"),
            "a?31mb??");                         // C1 CSI, DEL, bad UTF-8
  EXPECT_EQ(printable("\xc2\xa9"), "\xc2\xa9");  // U+00A9 is text
}

}  // namespace
}  // namespace tune
