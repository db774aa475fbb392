#pragma once
// Option parsing shared by the study commands (run, status, best, export).
#include <cxxopts.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "common/trial.h"
#include "store/storage.h"

namespace tune::cli {

// Parses `args` (args[0] is the command's name). cxxopts errors and stray positional
// arguments become ConfigError, so they exit 2 with one line; a value that does not parse
// is named with its flag and what the flag takes ("--trials: expected an integer, got \"abc\"").
cxxopts::ParseResult parse_options(cxxopts::Options& options, const Args& args);

// Removes each `--name VALUE` and `--name=VALUE` from `args` and returns the values in order:
// a repeatable flag whose values may contain commas (cxxopts would split them).
std::vector<std::string> take_repeated(Args& args, const std::string& name);

// A study command's parsed flags and its --study directory.
struct StudyFlags {
  cxxopts::ParseResult parsed;
  std::string dir;
};

// For the commands that read a study: adds --study DIR and --help to `options` (which hold the
// command's own flags), parses `args`, prints the help and returns nullopt for --help; else
// the flags, with ConfigError naming the command when --study is missing.
std::optional<StudyFlags> parse_study_flags(cxxopts::Options& options, const Args& args);

// --storage's help, for every study command.
inline constexpr const char* kStorageHelp =
    "where the trials live: sqlite:///path/study.db or postgresql://user:pass@host:port/db, "
    "which holds many studies, each named by the last component of --study (default: "
    "DIR/study.db)";

// The value of --storage, or "" when not given.
std::string storage_option(const cxxopts::ParseResult& parsed);

// The value of --study, or ConfigError naming the command when it is missing.
std::string required_study(const cxxopts::ParseResult& parsed, const std::string& command);

// An existing study opened by a command that only reads it.
struct ReadStudy {
  std::string dir;
  std::shared_ptr<Storage> storage;
  Direction direction = Direction::Maximize;
};

// For the commands whose only options are `--study DIR` and `--storage URL` (status): parses
// `args`, prints the help and returns nullopt for --help, else opens the study (ConfigError when
// missing).
std::optional<ReadStudy> read_study(const Args& args, const std::string& description);

// Prints what the storage's reads skipped, once each, as "tune: warning: FILE: trial N: ...
// (skipped)" on stderr: the study commands call it when they are done reading.
void print_warnings(const Storage& storage);

}  // namespace tune::cli
