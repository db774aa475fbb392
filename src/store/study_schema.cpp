#include "store/study_schema.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <vector>

#include "common/error.h"

namespace tune::study_schema {
namespace {

const char* const kTables = R"sql(
CREATE TABLE IF NOT EXISTS attributes (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  number INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  params TEXT NOT NULL,
  value REAL,
  summary TEXT NOT NULL DEFAULT '{}',
  start_time REAL NOT NULL,
  end_time REAL NOT NULL DEFAULT 0,
  heartbeat REAL NOT NULL,
  device TEXT NOT NULL DEFAULT '',
  worker TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS metrics (
  trial INTEGER NOT NULL REFERENCES trials(number),
  seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  time REAL NOT NULL,
  data TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (trial, seq)
);
)sql";

// The columns every study file has had since the first schema; what a file must hold to be
// taken for a study. Later columns (kAddedColumns) are added when missing.
struct RequiredTable {
  const char* name;
  std::vector<std::string> columns;
};
const RequiredTable kRequiredTables[] = {
    {"attributes", {"key", "value"}},
    {"trials",
     {"number", "state", "params", "value", "summary", "start_time", "end_time", "heartbeat",
      "device", "worker", "error"}},
    {"metrics", {"trial", "seq", "epoch", "time", "data"}},
};

// Columns added since the first schema, for study files that lack them. A column added with
// ALTER TABLE takes its default in existing rows: version 1, so a default cursor returns them.
struct AddedColumn {
  const char* table;
  const char* name;
  const char* definition;
};
const AddedColumn kAddedColumns[] = {
    {"trials", "version", "version INTEGER NOT NULL DEFAULT 1"},
    {"metrics", "value", "value REAL"},
};

// After the migration, since they name the added columns. (state, value) serves the state
// filters, the budget count and best(); it makes the first schema's index on state redundant.
// metrics needs none: its primary key starts with trial, and its rowid orders the values.
const char* const kIndexes = R"sql(
DROP INDEX IF EXISTS trials_by_state;
CREATE INDEX IF NOT EXISTS trials_by_state_value ON trials(state, value);
CREATE INDEX IF NOT EXISTS trials_by_version ON trials(version);
)sql";

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The file's own tables, without SQLite's internal ones (sqlite_sequence, sqlite_stat1).
std::vector<std::string> table_names(sqlite::Database& db) {
  sqlite::Statement select(db,
                           "SELECT name FROM sqlite_master WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  std::vector<std::string> names;
  while (select.step()) names.push_back(select.text(0));
  return names;
}

std::set<std::string> column_names(sqlite::Database& db, const std::string& table) {
  sqlite::Statement info(db, "PRAGMA table_info(" + table + ")");
  std::set<std::string> names;
  while (info.step()) names.insert(info.text(1));
  return names;
}

void add_column_if_missing(sqlite::Database& db, const AddedColumn& column) {
  if (column_names(db, column.table).count(column.name)) return;
  db.exec(std::string("ALTER TABLE ") + column.table + " ADD COLUMN " + column.definition);
}

}  // namespace

void check_sqlite_header(const std::string& path) {
  static const char kHeader[16] = "SQLite format 3";  // and its terminating NUL
  std::ifstream in(path, std::ios::binary);
  if (!in) return;  // missing: SQLite creates it, or reports why it cannot
  char bytes[sizeof kHeader] = {};
  in.read(bytes, sizeof bytes);
  if (in.gcount() == 0) return;  // empty: SQLite takes it for a new database
  if (in.gcount() != sizeof bytes || !std::equal(bytes, bytes + sizeof bytes, kHeader))
    throw ConfigError(path, "not an SQLite database");
}

bool holds_tune_tables(sqlite::Database& db) {
  const std::vector<std::string> tables = table_names(db);
  if (tables.empty()) return false;
  const std::set<std::string> present(tables.begin(), tables.end());
  for (const auto& required : kRequiredTables) {
    if (!present.count(required.name))
      throw ConfigError(db.path(), "not a tune study (tables: " + join(tables) + ")");
    const std::set<std::string> columns = column_names(db, required.name);
    std::vector<std::string> missing;
    for (const auto& c : required.columns)
      if (!columns.count(c)) missing.push_back(c);
    if (!missing.empty())
      throw ConfigError(db.path(), std::string("not a tune study (its table ") + required.name +
                                       " has no column " + join(missing) + ")");
  }
  return true;
}

void create_or_migrate(sqlite::Database& db) {
  db.exec(kTables);
  for (const auto& column : kAddedColumns) add_column_if_missing(db, column);
  db.exec(kIndexes);
}

}  // namespace tune::study_schema
