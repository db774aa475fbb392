#pragma once
// A study lives in a directory: study.db (the SQLite storage) and best.json beside it.
// With a storage URL (--storage), the trials live there instead and the directory keeps only
// the files this host writes (best.json, the report): a PostgreSQL database holds many
// studies, and the study's name there is the directory's last component, so `--study NAME`
// (or the default studies/<experiment name>) picks it on every host.
// The attributes a run records there let `tune status/best/export` read it without the config.
#include <memory>
#include <string>

#include "common/trial.h"
#include "store/storage.h"

namespace tune {

std::string study_database_path(const std::string& dir);
std::string study_best_path(const std::string& dir);
// The best trial's weights (a LibTorch archive) beside best.json, with --keep-best-weights.
std::string study_best_weights_path(const std::string& dir);
// Where trial `number` leaves its weights for the run to keep as the best or delete
// (DIR/weights/trial-N.pt).
std::string study_trial_weights_path(const std::string& dir, int number);
// Where trial `number` of a population-based study leaves its checkpoint (weights and optimizer
// state) for later trials to go on from (DIR/checkpoints/trial-N.pt).
std::string study_checkpoint_path(const std::string& dir, int number);
// The study's name in a database that holds several: the last component of `dir`.
std::string study_name(const std::string& dir);
// Where the study's trials are, for the log: the storage URL with its password masked, or the
// directory.
std::string describe_study(const std::string& dir, const std::string& storage_url);

// Opens the study in `dir` (creating the directory, and the database if needed) for a run;
// `storage_url` ("" for DIR/study.db) as storage_url.h reads it, where `flag` names it in
// errors; `retry_seconds` as open_postgres_storage takes it. ConfigError naming study.db (or
// the URL) when it is not a tune study, cannot be written or cannot be reached.
std::unique_ptr<Storage> open_study_dir(const std::string& dir, const std::string& storage_url = "",
                                        const std::string& flag = "--storage",
                                        double retry_seconds = kDefaultStorageRetrySeconds);
// Opens an existing study read-only, for the commands that only read it; ConfigError naming
// `where` when `dir` holds none, naming study.db when it is not a tune study. With a storage
// URL (named `flag` in errors), `dir` need not exist: only its name is used.
std::unique_ptr<Storage> open_existing_study(const std::string& dir, const std::string& where,
                                             const std::string& storage_url = "",
                                             const std::string& flag = "--storage");
// Opens (creating if needed) the study named `study` at `storage_url` for writing, with no
// study directory (`tune copy`'s destination); `flag` names the URL in errors.
std::unique_ptr<Storage> open_storage_url(const std::string& storage_url, const std::string& study,
                                          const std::string& flag);

// Attribute keys a run records.
inline constexpr const char* kExperimentAttr = "experiment";  // the experiment JSON
inline constexpr const char* kDirectionAttr = "direction";    // "minimize" | "maximize"
inline constexpr const char* kBudgetAttr = "trials";          // the last run's budget
inline constexpr const char* kCreatedAttr = "created";        // seconds since the epoch
// Trials a warm start copied in (--warm-start); they are added to each run's budget.
inline constexpr const char* kWarmStartAttr = "warm_start";

// The recorded direction (minimize when none was recorded).
Direction study_direction(Storage& storage);

}  // namespace tune
