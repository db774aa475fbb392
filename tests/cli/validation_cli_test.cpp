// Bad input is refused before anything runs: every case below is a wrong type, a value out of
// range, an unknown key or a missing file in one section of an experiment, or a flag out of
// range. Each must exit 2 with exactly one line on stderr naming the field, create no study,
// and leave an existing study byte for byte as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../store/temp_dir.h"
#include "../support/files.h"
#include "common/json.h"
#include "process.h"
#include "study/study_dir.h"

namespace tune {
namespace {

using testing::Finished;
using testing::Process;
using testing::TempDir;

// A training experiment small enough to check in no time (it never trains here).
Json training_experiment() {
  return {{"name", "valid"},
          {"data", {{"dataset", "synthetic"}, {"samples", 200}, {"features", 4}, {"classes", 2}}},
          {"params", {{"layers", 1}, {"units", 8}, {"lr", 0.01}, {"epochs", 1}}},
          {"callbacks", {{"early_stopping", {{"patience", 2}}}}},
          {"objective", {{"monitor", "val_accuracy"}}},
          {"space", {{"lr", {{"type", "float"}, {"low", 1e-3}, {"high", 1e-1}, {"log", true}}}}},
          {"strategy", {{"name", "random"}}},
          {"trials", 2}};
}

// One bad input: top-level sections replaced in the experiment above, extra flags, and what
// the one line of stderr must name.
struct Case {
  std::string name;
  Json sections;
  std::vector<std::string> flags;
  std::string names;
  std::string command = "run";
  std::string raw_json;  // when set, the experiment file's text as is
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << c.name;
}

Case file(std::string name, Json sections, std::string names) {
  return {std::move(name), std::move(sections), {}, std::move(names), "run", ""};
}

Case flag(std::string name, std::vector<std::string> flags, std::string names) {
  return {std::move(name), Json::object(), std::move(flags), std::move(names), "run", ""};
}

// The case for `tune train`.
Case train(std::string name, Json sections, std::vector<std::string> flags, std::string names) {
  return {std::move(name), std::move(sections), std::move(flags), std::move(names), "train", ""};
}

Json space_of(const Json& param_spec) {
  return {{"lr", param_spec}};
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // The issue's cases.
      file("ActivationSwish2", {{"params", {{"activation", "swish2"}}}}, "params.activation"),
      file("NegativeLr", {{"params", {{"lr", -0.1}}}}, "params.lr"),
      file("MissingDataDir", {{"data", {{"dataset", "fashion-mnist"}, {"dir", "/no/such/dir"}}}},
           "data.dir"),
      flag("SetLrAbcWhereLrIsTheOnlySearched", {"--set", "lr=abc"}, "--set lr"),
      flag("SetUnitsAbc", {"--set", "units=abc"}, "--set units"),
      file("TypoLrr", {{"params", {{"lrr", 0.1}}}}, "params.lrr"),
      flag("SetBogus", {"--set", "bogus=1"}, "--set bogus"),
      {"DataFlagMissing",
       {{"data", {{"dataset", "fashion-mnist"}}}},
       {"--data", "/no/such/dir"},
       "--data",
       "run",
       ""},
      // data
      file("DataWrongType", {{"data", 5}}, "data"),
      file("DataUnknownDataset", {{"data", {{"dataset", "mnist"}}}}, "data.dataset"),
      file("DataUnknownKey", {{"data", {{"dataset", "synthetic"}, {"bogus", 1}}}}, "data.bogus"),
      file("DataSamplesType", {{"data", {{"dataset", "synthetic"}, {"samples", "many"}}}},
           "data.samples"),
      file("DataClassesRange", {{"data", {{"dataset", "synthetic"}, {"classes", 1}}}},
           "data.classes"),
      file("DataMissingCsv", {{"data", {{"dataset", "csv"}, {"path", "/no/such.csv"}}}},
           "data.path"),
      // params and the space's bounds and choices
      file("ParamsWrongType", {{"params", Json::array()}}, "params"),
      file("ParamsUnitsType", {{"params", {{"units", "wide"}}}}, "params.units"),
      file("ParamsUnitsRange", {{"params", {{"units", 0}}}}, "params.units"),
      file("ParamsUnknownOptimizer", {{"params", {{"optimizer", "lbfgs"}}}}, "params.optimizer"),
      file("ParamsUnknownModel", {{"params", {{"model", "rnn"}}}}, "params.model"),
      file("SpaceLowBound",
           {{"space", space_of({{"type", "float"}, {"low", -0.1}, {"high", 0.1}})}},
           "space.lr.low"),
      file("SpaceHighBound",
           {{"space", {{"dropout", {{"type", "float"}, {"low", 0.0}, {"high", 0.99}}}}}},
           "space.dropout.high"),
      file(
          "SpaceBadChoice",
          {{"space", {{"activation", {{"type", "categorical"}, {"choices", {"relu", "swish2"}}}}}}},
          "space.activation.choices"),
      file("SpaceUnknownParam",
           {{"space", {{"lrr", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}}}, "space.lrr"),
      file("SpaceLowAboveHigh", {{"space", space_of({{"type", "float"}, {"low", 1}, {"high", 0}})}},
           "space.lr"),
      file("SpaceUnknownType", {{"space", space_of({{"type", "floaty"}})}}, "space.lr"),
      file("SpaceUnknownKey",
           {{"space", space_of({{"type", "float"}, {"low", 0.1}, {"high", 1}, {"bogus", 1}})}},
           "space.lr"),
      {"SpaceNumberOverflow",
       {},
       {},
       "experiment.json",
       "run",
       R"({"space": {"lr": {"type": "float", "low": 0.1, "high": 1e400}}})"},
      // callbacks
      file("CallbacksUnknown", {{"callbacks", {{"early_stoping", {{"patience", 2}}}}}},
           "callbacks.early_stoping"),
      file("CallbacksWrongType", {{"callbacks", {{"early_stopping", 3}}}},
           "callbacks.early_stopping"),
      file("CallbacksRange", {{"callbacks", {{"early_stopping", {{"patience", -1}}}}}},
           "callbacks.early_stopping.patience"),
      // objective
      file("ObjectiveMonitor", {{"objective", {{"monitor", "f1"}}}}, "objective.monitor"),
      file("ObjectiveDirection", {{"objective", {{"direction", "up"}}}}, "objective.direction"),
      file("ObjectiveUnknownKey", {{"objective", {{"bogus", 1}}}}, "objective.bogus"),
      // strategy and pruner
      file("StrategyUnknown", {{"strategy", {{"name", "nope"}}}}, "strategy"),
      file("StrategyUnknownKey", {{"strategy", {{"name", "random"}, {"bogus", 1}}}},
           "strategy.bogus"),
      file("StrategyWrongType", {{"strategy", 5}}, "strategy"),
      file("PbtWithPruner",
           {{"strategy", {{"name", "pbt"}}},
            {"params", {{"layers", 1}, {"units", 8}, {"epochs", 4}}},
            {"pruner", {{"name", "median"}}}},
           "pruner"),
      file("PbtOneEpoch", {{"strategy", {{"name", "pbt"}}}}, "params.epochs"),
      file("PbtMutatesTheShape",
           {{"strategy", {{"name", "pbt"}, {"interval", 1}, {"mutate", {"units"}}}},
            {"params", {{"layers", 1}, {"units", 8}, {"epochs", 4}}}},
           "strategy.mutate"),
      file("PrunerUnknown", {{"pruner", {{"name", "nope"}}}}, "pruner"),
      file("PrunerUnknownKey", {{"pruner", {{"name", "median"}, {"bogus", 1}}}}, "pruner.bogus"),
      // devices
      file("DevicesUnknownKey", {{"devices", {{"bogus", 1}}}}, "devices.bogus"),
      file("DevicesCpuWorkersRange", {{"devices", {{"cpu_workers", 5000}}}}, "devices.cpu_workers"),
      file("DevicesCpuWorkersType", {{"devices", {{"cpu_workers", "two"}}}}, "devices.cpu_workers"),
      file("DevicesPerDeviceRange", {{"devices", {{"per_device", 0}}}}, "devices.per_device"),
      file("DevicesCudaGraphsType", {{"devices", {{"cuda_graphs", "yes"}}}}, "devices.cuda_graphs"),
      file("DevicesCpuKernelsUnknown", {{"devices", {{"cpu_kernels", "fast"}}}},
           "devices.cpu_kernels"),
      // top level
      file("TopUnknownKey", {{"trails", 3}}, "trails"),
      file("TrialsZero", {{"trials", 0}}, "trials"),
      file("TimeoutHuge", {{"timeout", 1e10}}, "timeout"),
      file("TimeoutZero", {{"timeout", 0}}, "timeout"),
      file("SeedNegative", {{"seed", -1}}, "seed"),
      file("OnTimeoutUnknown", {{"on_timeout", "later"}}, "on_timeout"),
      // numeric flags
      flag("CpuWorkersHuge", {"--cpu-workers", "100000"}, "--cpu-workers"),
      flag("CpuWorkersNegative", {"--cpu-workers", "-1"}, "--cpu-workers"),
      flag("CpuWorkersWord", {"--cpu-workers", "many"}, "or \"auto\""),
      flag("PerDeviceZero", {"--per-device", "0"}, "--per-device"),
      flag("FuseZero", {"--fuse", "0"}, "--fuse"),
      flag("FuseHuge", {"--fuse", "5000"}, "--fuse"),
      flag("FuseNotANumber", {"--fuse", "four"}, "--fuse"),
      file("DevicesFuseZero", {{"devices", {{"fuse", 0}}}}, "devices.fuse"),
      file("DevicesFuseText", {{"devices", {{"fuse", "4"}}}}, "devices.fuse"),
      flag("PerDeviceHuge", {"--per-device", "1000"}, "--per-device"),
      flag("CudaGraphsWord", {"--cuda-graphs", "yes"}, "--cuda-graphs"),
      flag("CpuKernelsWord", {"--cpu-kernels", "fast"}, "--cpu-kernels"),
      flag("TrialsFlagZero", {"--trials", "0"}, "--trials"),
      flag("TrialsFlagHuge", {"--trials", "20000000"}, "--trials"),
      flag("TimeoutFlagHuge", {"--timeout", "1e10"}, "--timeout"),
      flag("TimeoutFlagZero", {"--timeout", "0"}, "--timeout"),
      flag("TimeoutFlagNegative", {"--timeout", "-5"}, "--timeout"),
      flag("StaleAfterTiny", {"--stale-after", "1e-9"}, "--stale-after"),
      flag("StaleAfterHuge", {"--stale-after", "1e9"}, "--stale-after"),
      flag("MaxFailuresNegative", {"--max-failures", "-1"}, "--max-failures"),
      flag("MaxFailuresHuge", {"--max-failures", "2000000"}, "--max-failures"),
      flag("SeedFlagHuge", {"--seed", "18446744073709551615"}, "--seed"),
  };
  return all;
}

// tune train runs the same checks (and has no study).
const std::vector<Case>& train_cases() {
  static const std::vector<Case> all = {
      train("SetBogus", Json::object(), {"--set", "bogus=1"}, "--set bogus"),
      train("SetLrAbc", Json::object(), {"--set", "lr=abc"}, "--set lr"),
      train("TypoLrr", {{"params", {{"lrr", 0.1}}}}, {}, "params.lrr"),
      train("SpaceBadChoice",
            {{"space", {{"activation", {{"type", "categorical"}, {"choices", {"swish2"}}}}}}}, {},
            "space.activation.choices"),
  };
  return all;
}

// Every file of a study directory, by name, with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files[entry.path().filename().string()] = testing::file_bytes(entry.path().string());
  return files;
}

class Validation : public ::testing::TestWithParam<Case> {
 protected:
  // Runs the case against `study`; checks exit 2 and one line naming the field.
  void expect_refused(const std::string& study) {
    const Case& c = GetParam();
    const std::string config = dir_.file("experiment.json");
    if (c.raw_json.empty()) {
      Json experiment = training_experiment();
      experiment.update(c.sections);
      std::ofstream(config) << experiment.dump(2);
    } else {
      std::ofstream(config) << c.raw_json;
    }
    std::vector<std::string> args = {TUNE_BINARY, c.command, "--config", config};
    if (c.command == "run") args.insert(args.end(), {"--study", study});
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    Process p(args, dir_.file("out" + std::to_string(runs_++)));
    Finished f = p.wait();
    EXPECT_EQ(f.code, 2) << f.err;
    EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
    EXPECT_EQ(f.err.rfind("tune: error: ", 0), 0u) << f.err;
    EXPECT_NE(f.err.find(c.names), std::string::npos)
        << "expected \"" << c.names << "\" in " << f.err;
  }

  TempDir dir_;
  int runs_ = 0;
};

TEST_P(Validation, RefusedBeforeTheStudyIsCreated) {
  const std::string study = dir_.file("fresh");
  expect_refused(study);
  EXPECT_FALSE(std::filesystem::exists(study)) << "the refused run created " << study;
}

TEST_P(Validation, RefusedLeavingAnExistingStudyAsItWas) {
  const std::string study = dir_.file("existing");
  open_study_dir(study)->set_attr(kBudgetAttr, 3);
  const auto before = snapshot(study);
  expect_refused(study);
  EXPECT_EQ(snapshot(study), before);
}

class TrainValidation : public Validation {};

TEST_P(TrainValidation, RefusedBeforeTraining) {
  expect_refused("");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Cli, Validation, ::testing::ValuesIn(cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Cli, TrainValidation, ::testing::ValuesIn(train_cases()), case_name);

// Command objectives keep their own params: names the trainer does not know are fine there.
TEST(ValidationCommand, ParamsOfACommandAreNotCheckedAgainstTheTrainer) {
  TempDir dir;
  Json experiment = {{"name", "cmd"},
                     {"params", {{"anything", "goes"}}},
                     {"space", {{"x", {{"type", "float"}, {"low", -1.0}, {"high", 1.0}}}}},
                     {"objective", {{"command", {"python3", "-c", "print(1.5)", "{x}"}}}},
                     {"trials", 1}};
  std::ofstream(dir.file("cmd.json")) << experiment.dump();
  Process p({TUNE_BINARY, "run", "--config", dir.file("cmd.json"), "--study", dir.file("s"),
             "--set", "bogus=1"},
            dir.file("out"));
  Finished f = p.wait();
  EXPECT_EQ(f.code, 0) << f.err;
}

// A system that refuses threads (here: a stack size no memory can hold) is an error with exit
// 2 and one line, not std::terminate; nothing is created.
TEST(ValidationThreads, RefusedThreadsAreAnErrorNotAnAbort) {
  TempDir dir;
  Json experiment = {{"name", "cmd"},
                     {"space", {{"x", {{"type", "float"}, {"low", -1.0}, {"high", 1.0}}}}},
                     {"objective", {{"command", {"python3", "-c", "print(1.5)", "{x}"}}}},
                     {"trials", 4}};
  std::ofstream(dir.file("cmd.json")) << experiment.dump();
  const std::string study = dir.file("s");
  const std::string command = "ulimit -s 1073741824 && exec " + std::string(TUNE_BINARY) +
                              " run --config " + dir.file("cmd.json") + " --study " + study +
                              " --cpu-workers 4";
  Process p({"/bin/sh", "-c", command}, dir.file("out"));
  Finished f = p.wait();
  if (f.code == 0) GTEST_SKIP() << "this system starts threads with a 1 TiB stack";
  EXPECT_EQ(f.code, 2) << f.err;
  EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
  EXPECT_NE(f.err.find("workers: the system refuses to start a thread"), std::string::npos)
      << f.err;
  EXPECT_FALSE(std::filesystem::exists(study));
}

}  // namespace
}  // namespace tune
