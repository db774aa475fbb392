#pragma once
// The tables of a tune study file, and the checks that keep tune from writing to any other file.
// Before anything is written (the switch to WAL included), an existing file must be an SQLite
// database that is either empty or holds tune's tables with their columns; the first schema,
// which `create_or_migrate` upgrades, passes. Anything else is a ConfigError naming the file,
// and the file is left exactly as it was.
#include <string>

#include "store/sqlite.h"

namespace tune::study_schema {

// ConfigError "PATH: not an SQLite database" when `path` exists, is not empty and does not
// start with SQLite's header. A missing or empty file passes (SQLite creates it).
void check_sqlite_header(const std::string& path);

// True when `db` holds tune's tables, false when it holds no table at all (a new file);
// ConfigError "PATH: not a tune study (tables: ...)" for anything else. Only reads.
bool holds_tune_tables(sqlite::Database& db);

// Creates the tables in a new file, or adds what an older study file lacks (columns, indexes).
// Run inside a write transaction.
void create_or_migrate(sqlite::Database& db);

}  // namespace tune::study_schema
