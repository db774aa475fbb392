#pragma once
// Opening a study's SQLite file, for writing (a run) or only for reading (status, best, export).
// - Nothing is written before the file is known to be a tune study or a new, empty database
//   (study_schema.h): another program's file is refused as it was, journal mode included.
// - For writing: WAL, synchronous=FULL, foreign keys, and the schema created or migrated. A file
//   that cannot be written (read-only file, directory or file system) is a ConfigError naming
//   it, before anything runs.
// - For reading: SQLITE_OPEN_READONLY, no pragma that writes, no schema change. A WAL file in a
//   directory where its -shm cannot be created (a read-only file system) is opened immutable,
//   which is safe there since nothing can change it; when its -wal still holds changes that
//   only a -shm could make readable, a ConfigError says so.
// Problems with the file itself come back as ConfigError("PATH", what), one line for the CLI.
#include <memory>
#include <string>

#include "store/sqlite.h"

namespace tune {

std::unique_ptr<sqlite::Database> open_study_file_for_writing(const std::string& path,
                                                              int busy_timeout_ms, int max_wait_ms);
std::unique_ptr<sqlite::Database> open_study_file_for_reading(const std::string& path,
                                                              int busy_timeout_ms);

}  // namespace tune
