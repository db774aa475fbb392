#pragma once
// A study lives in a directory: study.db (the SQLite storage) and best.json beside it.
// The attributes a run records there let `tune status/best/export` read it without the config.
#include <memory>
#include <string>

#include "common/trial.h"
#include "store/storage.h"

namespace tune {

std::string study_database_path(const std::string& dir);
std::string study_best_path(const std::string& dir);

// Opens the study in `dir` (creating the directory and database if needed) for a run;
// ConfigError naming study.db when it is not a tune study or cannot be written.
std::unique_ptr<Storage> open_study_dir(const std::string& dir);
// Opens an existing study read-only, for the commands that only read it; ConfigError naming
// `where` when `dir` holds none, naming study.db when it is not a tune study.
std::unique_ptr<Storage> open_existing_study(const std::string& dir, const std::string& where);

// Attribute keys a run records.
inline constexpr const char* kExperimentAttr = "experiment";  // the experiment JSON
inline constexpr const char* kDirectionAttr = "direction";    // "minimize" | "maximize"
inline constexpr const char* kBudgetAttr = "trials";          // the last run's budget
inline constexpr const char* kCreatedAttr = "created";        // seconds since the epoch

// The recorded direction (minimize when none was recorded).
Direction study_direction(Storage& storage);

}  // namespace tune
