// The command objective runs real programs (sh, python3): values in, a number out, failures
// recorded with the program's stderr, stop and timeout obeyed, nothing leaked.
#include <dirent.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "common/error.h"
#include "objective/command_objective.h"
#include "objective/subprocess.h"

namespace tune {
namespace {

CommandObjective shell(const std::string& script, Json extra = Json::object()) {
  Json section = {{"command", {"/bin/sh", "-c", script, "sh"}}};
  section.update(extra);
  return CommandObjective(section, "cfg.json: objective");
}

std::string failure_of(CommandObjective& objective, const Json& config = Json::object()) {
  TrialContext ctx;
  try {
    objective.run(config, ctx);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no failure";
}

std::string objective_summary_tail(CommandObjective& objective, TrialContext& ctx) {
  return objective.run(Json::object(), ctx).summary.value("stderr_tail", "");
}

double elapsed(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int open_fds() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir)) ++n;
  closedir(dir);
  return n;
}

TEST(CommandObjective, PassesValuesAndConfigAndReadsTheLastLine) {
  Json section = {{"command",
                   {"python3", "-c",
                    "import sys, os, json\n"
                    "c = json.loads(os.environ['TUNE_CONFIG'])\n"
                    "print('epoch 1 done')\n"
                    "print((float(sys.argv[1]) - 2) ** 2 + c['y'] + len(sys.argv[2]))\n"
                    "print()\n",
                    "{x}", "{name}"}},
                  {"direction", "minimize"}};
  CommandObjective objective(section, "objective");
  TrialContext ctx;
  ObjectiveResult r = objective.run({{"x", 1.5}, {"y", 2}, {"name", "abc"}}, ctx);
  EXPECT_DOUBLE_EQ(r.value, 0.25 + 2 + 3);
  EXPECT_EQ(objective.direction(), Direction::Minimize);
  EXPECT_TRUE(r.summary.contains("seconds"));
}

TEST(CommandObjective, TrialAndDeviceInEnvironment) {
  CommandObjective objective = shell("echo \"$TUNE_TRIAL $TUNE_DEVICE\" >&2; echo \"$1\"; echo 4",
                                     {{"direction", "maximize"}});
  TrialContext ctx;
  ctx.number = 12;
  ctx.device = "cuda:1";
  ObjectiveResult r = objective.run(Json::object(), ctx);
  EXPECT_EQ(r.value, 4);
  EXPECT_EQ(r.summary["stderr_tail"], "12 cuda:1");
  EXPECT_EQ(objective.direction(), Direction::Maximize);
}

TEST(CommandObjective, ArgumentsFormatted) {
  EXPECT_EQ(argument_text(0.1), "0.1");
  EXPECT_EQ(argument_text(1e-4), "0.0001");
  EXPECT_EQ(argument_text(0.1 + 0.2), "0.30000000000000004");  // full precision
  EXPECT_EQ(argument_text(64), "64");
  EXPECT_EQ(argument_text("relu"), "relu");
  EXPECT_EQ(argument_text(true), "true");
  Json config = {{"lr", 0.001}, {"act", "relu"}, {"n", 3}};
  EXPECT_EQ(substitute("--lr={lr}", config, "w"), "--lr=0.001");
  EXPECT_EQ(substitute("{act}-{n}", config, "w"), "relu-3");
  EXPECT_EQ(substitute("print({{'a': {n}}})", config, "w"), "print({'a': 3})");
  EXPECT_EQ(substitute("{not a name} {} {", config, "w"), "{not a name} {} {");
  EXPECT_EQ(placeholders("{a}{b}x{{c}}"), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(substitute("{units}", config, "w"), ConfigError);
}

TEST(CommandObjective, LastLineValue) {
  EXPECT_EQ(last_line_value("1\n2.5\n\n  \n"), 2.5);
  EXPECT_EQ(last_line_value("-1e-3"), -1e-3);
  EXPECT_EQ(last_line_value(""), std::nullopt);
  EXPECT_EQ(last_line_value("3 apples\n"), std::nullopt);
  EXPECT_EQ(last_line_value("nan\n"), std::nullopt);
  EXPECT_EQ(last_line_value("inf"), std::nullopt);
  // Decimal numbers only: strtod would also take hex and spelled-out infinities.
  EXPECT_EQ(last_line_value("+.5e1\n"), 5.0);
  EXPECT_EQ(last_line_value("2.\n"), 2.0);
  for (const char* bad :
       {"0x10", "0X1p4", "infinity", "1e", "1e+", ".", "-", "--1", "1.2.3", "1e400", "1,5"})
    EXPECT_EQ(last_line_value(bad), std::nullopt) << bad;
}

TEST(CommandObjective, HexValueIsNotANumber) {
  CommandObjective objective = shell("echo 0x10");
  EXPECT_NE(failure_of(objective).find("no finite number"), std::string::npos);
}

TEST(CommandObjective, ControlCharactersFromTheProgramAreReplaced) {
  CommandObjective failing = shell("printf 'bad\\033[2J\\rclear\\n' >&2; exit 1");
  std::string why = failure_of(failing);
  EXPECT_NE(why.find("bad?[2J\nclear"), std::string::npos) << why;
  CommandObjective garbage = shell("printf '\\033]0;title\\007\\n'");
  why = failure_of(garbage);
  EXPECT_NE(why.find("?]0;title?"), std::string::npos) << why;
  CommandObjective ok = shell("printf 'warn\\033[31m\\n' >&2; echo 1");
  TrialContext ctx;
  EXPECT_EQ(objective_summary_tail(ok, ctx), "warn?[31m");
}

TEST(CommandObjective, NonZeroExitKeepsStatusAndStderrTail) {
  CommandObjective objective = shell(
      "i=0; while [ $i -lt 500 ]; do echo \"line $i of noise\" >&2; i=$((i+1)); done; "
      "echo 'Traceback: boom' >&2; echo 1; exit 3");
  std::string why = failure_of(objective);
  EXPECT_NE(why.find("exited with status 3"), std::string::npos) << why;
  EXPECT_NE(why.find("Traceback: boom"), std::string::npos) << why;
  EXPECT_EQ(why.find("line 0 of noise"), std::string::npos);  // only the tail
  EXPECT_LT(why.size(), 2300u);
}

TEST(CommandObjective, GarbageAndNanFail) {
  CommandObjective garbage = shell("echo 0.5; echo 'accuracy: high'");
  std::string why = failure_of(garbage);
  EXPECT_NE(why.find("accuracy: high"), std::string::npos) << why;
  CommandObjective nan = shell("echo nan");
  EXPECT_NE(failure_of(nan).find("no finite number"), std::string::npos);
  CommandObjective silent = shell("true");
  EXPECT_NE(failure_of(silent).find("no finite number"), std::string::npos);
}

TEST(CommandObjective, SignalIsAFailure) {
  CommandObjective objective = shell("echo 1; kill -9 $$");
  EXPECT_NE(failure_of(objective).find("signal 9"), std::string::npos);
}

TEST(CommandObjective, MissingProgram) {
  CommandObjective objective(Json{{"command", {"/nonexistent/prog"}}}, "objective");
  EXPECT_NE(failure_of(objective).find("cannot run \"/nonexistent/prog\""), std::string::npos);
}

TEST(CommandObjective, Timeout) {
  CommandObjective objective = shell("sleep 10; echo 1", {{"timeout", 0.3}});
  auto start = std::chrono::steady_clock::now();
  std::string why = failure_of(objective);
  EXPECT_NE(why.find("timed out after 0.3 s"), std::string::npos) << why;
  EXPECT_LT(elapsed(start), 2.0);
}

TEST(CommandObjective, StopRequestKillsEvenAProgramIgnoringSigterm) {
  CommandObjective objective = shell("trap '' TERM; sleep 10; echo 1");
  objective.set_kill_grace(0.3);
  std::atomic<bool> stop{false};
  TrialContext ctx;
  ctx.stop = &stop;
  std::thread asker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  auto start = std::chrono::steady_clock::now();
  try {
    objective.run(Json::object(), ctx);
    ADD_FAILURE() << "not stopped";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
  asker.join();
  EXPECT_LT(elapsed(start), 2.0);
}

TEST(CommandObjective, BackgroundChildHoldingOutputDoesNotBlock) {
  CommandObjective objective = shell("sleep 5 & echo 2");
  auto start = std::chrono::steady_clock::now();
  TrialContext ctx;
  EXPECT_EQ(objective.run(Json::object(), ctx).value, 2);
  EXPECT_LT(elapsed(start), 2.0);
}

TEST(CommandObjective, NoZombiesNoDescriptorLeaks) {
  CommandObjective objective(Json{{"command", {"/bin/echo", "{v}"}}}, "objective");
  const int before = open_fds();
  TrialContext ctx;
  for (int i = 0; i < 200; ++i) ASSERT_EQ(objective.run({{"v", i}}, ctx).value, i);
  CommandObjective failing = shell("exit 1");
  for (int i = 0; i < 20; ++i) failure_of(failing);
  EXPECT_EQ(open_fds(), before);
  int status = 0;
  errno = 0;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // no child left, reaped or not
  EXPECT_EQ(errno, ECHILD);
}

TEST(CommandObjective, ReportLinesReachTheStudyAndAPruneEndsTheProgram) {
  // Reports a falling curve, one epoch every 50 ms for 5 s unless stopped.
  CommandObjective objective = shell(
      "i=1; while [ $i -le 100 ]; do echo \"tune:report $i $((100 - i))\"; sleep 0.05; "
      "i=$((i + 1)); done; echo 0");
  std::vector<Json> reports;
  TrialContext ctx;
  ctx.report = [&](const Json& m) {
    reports.push_back(m);
    return reports.size() >= 3 ? Decision::Prune : Decision::Continue;
  };
  auto start = std::chrono::steady_clock::now();
  ObjectiveResult r = objective.run(Json::object(), ctx);
  EXPECT_LT(elapsed(start), 2.0);
  EXPECT_TRUE(ctx.pruned());
  ASSERT_EQ(reports.size(), 3u);  // none after the decision
  EXPECT_EQ(reports[2], (Json{{"epoch", 3}, {"value", 97.0}}));
  EXPECT_EQ(r.value, 97.0);
  int status = 0;
  errno = 0;
  EXPECT_EQ(waitpid(-1, &status, WNOHANG), -1);  // the program was ended and reaped
  EXPECT_EQ(errno, ECHILD);
}

TEST(CommandObjective, ReportLineParsing) {
  EXPECT_FALSE(parse_report_line("0.5"));
  EXPECT_FALSE(parse_report_line("tune:reports 1 2"));
  auto ok = parse_report_line("  tune:report 4 -0.25  ");
  ASSERT_TRUE(ok && ok->valid);
  EXPECT_EQ(ok->epoch, 4);
  EXPECT_EQ(ok->value, -0.25);
  for (const char* bad : {"tune:report 0 1", "tune:report x 1", "tune:report 2 nan",
                          "tune:report 2", "tune:report 2 1 3", "tune:report 1.5 2",
                          "tune:report 1 0x10", "tune:report 0x1 2", "tune:report 1 inf"}) {
    auto r = parse_report_line(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_FALSE(r->valid) << bad;
  }
  CommandObjective objective = shell("echo 'tune:report one 1'; echo 1");
  EXPECT_NE(failure_of(objective).find("malformed report line"), std::string::npos);
}

TEST(CommandObjective, InvalidSections) {
  auto message = [](const Json& section) {
    try {
      CommandObjective(section, "cfg.json: objective");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({{"command", Json::array()}}).find("objective.command"), std::string::npos);
  EXPECT_NE(message({{"command", "python3 f.py"}}).find("non-empty list"), std::string::npos);
  EXPECT_NE(message({{"command", {"prog", 3}}}).find("must be a string"), std::string::npos);
  EXPECT_NE(message({{"command", {"prog"}}, {"direction", "down"}}).find("allowed: minimize"),
            std::string::npos);
  EXPECT_NE(message({{"command", {"prog"}}, {"timeout", 0}}).find("objective.timeout"),
            std::string::npos);
  EXPECT_NE(message({{"command", {"prog"}}, {"shell", true}}).find("objective.shell"),
            std::string::npos);
  CommandObjective ok(Json{{"command", {"prog", "--lr={lr}", "{foo}"}}}, "cfg.json: objective");
  try {
    ok.check_placeholders({"lr", "units"});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("{foo}"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(ok.check_placeholders({"lr", "foo"}));
  CommandObjective needs_x = shell("echo {x}");
  EXPECT_NE(failure_of(needs_x).find("{x}"), std::string::npos);
}

}  // namespace
}  // namespace tune
