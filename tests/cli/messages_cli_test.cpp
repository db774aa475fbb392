// What a user sees when something is wrong: bad flags and files exit 2 with one line that
// names the flag or file and what is allowed, leaving the study untouched; a trial program's
// odd output is refused or made safe to print; a resumed study that must wait says why.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../store/temp_dir.h"
#include "common/json.h"
#include "process.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

// A study whose trials run `script` with sh ($1 is the sampled x).
Json shell_experiment(const std::string& script) {
  return {{"name", "messages"},
          {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
          {"objective", {{"command", {"/bin/sh", "-c", script, "sh", "{x}"}}}},
          {"strategy", "random"}};
}

Finished run_tune(const TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  args.insert(args.begin(), TUNE_BINARY);
  Process p(args, dir.file("run" + std::to_string(runs++)));
  return p.wait();
}

// "{config}", "{dir}" and "{study}" in `text` replaced by their paths.
std::string expand(std::string text, const TempDir& dir) {
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"{config}", dir.file("experiment.json")},
        {"{study}", dir.file("study")},
        {"{dir}", dir.path()}}) {
    for (size_t at; (at = text.find(key)) != std::string::npos;)
      text.replace(at, key.size(), value);
  }
  return text;
}

struct BadInput {
  const char* name;
  std::vector<std::string> args;
  std::vector<std::string> expected;  // each in the one line printed
  std::string config_text = "";       // the experiment file; empty: a good one
};

const std::vector<BadInput>& bad_inputs() {
  static const std::vector<BadInput> cases = {
      {"trials_not_a_number",
       {"--config", "{config}", "--study", "{study}", "--trials", "abc"},
       {"--trials: expected an integer, got \"abc\""}},
      {"trials_a_fraction",
       {"--config", "{config}", "--study", "{study}", "--trials=1.5"},
       {"--trials: expected an integer, got \"1.5\""}},
      {"trials_too_large",
       {"--config", "{config}", "--study", "{study}", "--trials", "99999999999"},
       {"--trials: out of range for an integer, got \"99999999999\""}},
      {"seed_negative",
       {"--config", "{config}", "--study", "{study}", "--seed=-1"},
       {"--seed: expected a non-negative integer, got \"-1\""}},
      {"timeout_not_a_number",
       {"--config", "{config}", "--study", "{study}", "--timeout", "soon"},
       {"--timeout: expected a number, got \"soon\""}},
      {"retry_oom_not_a_boolean",
       {"--config", "{config}", "--study", "{study}", "--retry-oom=maybe"},
       {"--retry-oom: expected true or false, got \"maybe\""}},
      {"device_index_too_large",
       {"train", "--config", "{config}", "--device", "cuda:99999999999"},
       {"--device: device index 99999999999 in \"cuda:99999999999\" is out of range",
        "allowed: cpu, cuda, cuda:N"}},
      {"number_out_of_range_in_the_file",
       {"--config", "{config}", "--study", "{study}"},
       {"{config}: invalid JSON: ", "1e400"},
       R"({"space": {"x": {"type": "float", "low": 0, "high": 1e400}}})"},
      {"not_json",
       {"--config", "{config}", "--study", "{study}"},
       {"{config}: invalid JSON: ", "parse error"},
       R"({"space": )"},
      {"config_is_a_directory",
       {"--config", "{dir}", "--study", "{study}"},
       {"{dir}: is a directory; expected an experiment file (JSON)"}},
  };
  return cases;
}

class Messages : public ::testing::TestWithParam<BadInput> {};

TEST_P(Messages, ExitTwoWithOneLineNamingTheInput) {
  const BadInput& c = GetParam();
  TempDir dir;
  std::ofstream(dir.file("experiment.json"))
      << (c.config_text.empty() ? shell_experiment("echo 1").dump() : c.config_text);
  std::vector<std::string> args;
  for (const std::string& a : c.args) args.push_back(expand(a, dir));
  Finished f = run_tune(dir, args);
  EXPECT_EQ(f.code, 2) << f.err;
  EXPECT_EQ(f.err.rfind("tune: error: ", 0), 0u) << f.err;
  EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
  for (const std::string& e : c.expected)
    EXPECT_NE(f.err.find(expand(e, dir)), std::string::npos) << "expected " << e << " in " << f.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("study"))) << "the study was touched";
}

INSTANTIATE_TEST_SUITE_P(BadInputs, Messages, ::testing::ValuesIn(bad_inputs()),
                         [](const auto& info) { return std::string(info.param.name); });

// Hex is not a value (strtod would read 0x10 as 16), and the escape sequences a program
// writes to stderr reach neither the study nor the terminal.
TEST(MessagesCli, ProgramOutputIsReadAsDecimalAndPrintedSafely) {
  TempDir dir;
  std::ofstream(dir.file("experiment.json"))
      << shell_experiment("printf 'oops\\033[2J\\033]0;title\\007\\n' >&2; echo 0x10").dump();
  Finished f = run_tune(dir, {"--config", dir.file("experiment.json"), "--study", dir.file("study"),
                              "--trials", "1", "--max-failures", "1"});
  EXPECT_EQ(f.code, 1) << f.err;  // the failure cap
  EXPECT_NE(f.err.find("got \"0x10\""), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("oops?[2J?]0;title?"), std::string::npos) << f.err;
  EXPECT_EQ(f.err.find('\x1b'), std::string::npos) << "an escape sequence reached stderr";
  EXPECT_EQ(f.err.find('\x07'), std::string::npos) << "a bell reached stderr";
  auto trials = open_sqlite_storage(dir.file("study") + "/study.db")->trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);
  EXPECT_EQ(trials[0].error.find('\x1b'), std::string::npos) << trials[0].error;
}

// A study resumed right after its process was killed must wait for the dead process's trial
// to go stale; the board says so rather than showing nothing but the elapsed time.
TEST(MessagesCli, AResumedStudyThatMustWaitSaysWhy) {
  TempDir dir;
  std::ofstream(dir.file("experiment.json")) << shell_experiment("sleep 30; echo 1").dump();
  std::vector<std::string> args = {TUNE_BINARY, "--config",        dir.file("experiment.json"),
                                   "--study",   dir.file("study"), "--trials",
                                   "1",         "--stale-after",   "2"};
  {
    Process victim(args, dir.file("victim"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!std::ifstream(dir.file("study") + "/study.db")) continue;
      auto trials = open_sqlite_storage(dir.file("study") + "/study.db")->trials();
      if (trials.size() == 1 && trials[0].state == TrialState::Running) break;
    }
    victim.signal(SIGKILL);
    victim.wait();
  }
  std::ofstream(dir.file("experiment.json")) << shell_experiment("echo 1").dump();
  args.erase(args.begin());
  Finished f = run_tune(dir, args);
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.err.find("worker 0: waiting for 1 trial(s) running elsewhere to finish or go "
                       "stale (up to 2s)"),
            std::string::npos)
      << f.err;
  auto trials = open_sqlite_storage(dir.file("study") + "/study.db")->trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::Failed);  // stale
  EXPECT_EQ(trials[1].state, TrialState::Complete);
}

}  // namespace
}  // namespace tune
