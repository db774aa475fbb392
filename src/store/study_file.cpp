#include "store/study_file.h"

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <thread>

#include "common/error.h"
#include "store/study_schema.h"

namespace tune {
namespace {

const char* const kReadOnlyWriting =
    "cannot write the study: the file, its directory or its file system is read-only "
    "(tune status, best and export can still read it)";

// Retries `action` while another connection holds a lock: processes opening one new study
// together may see SQLITE_BUSY while one of them switches it to WAL.
void retry_busy(const std::function<void()>& action, int max_wait_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait_ms);
  for (;;) {
    try {
      action();
      return;
    } catch (const sqlite::Error& e) {
      if (!e.busy() || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A failure that says something about the file rather than about tune, as one line naming it.
// Anything else (a busy timeout, a full disk) is rethrown as it is.
[[noreturn]] void rethrow_as_file_problem(const sqlite::Error& e, const std::string& path,
                                          bool writing) {
  const std::string reason = sqlite3_errstr(e.code());
  switch (e.code()) {
    case SQLITE_READONLY:
      if (writing) throw ConfigError(path, kReadOnlyWriting);
      throw ConfigError(path, "cannot read it (" + reason + ")");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      throw ConfigError(path, writing ? "cannot open it for writing (" + reason +
                                            "); the file and its directory must be writable"
                                      : "cannot read it (" + reason + ")");
    case SQLITE_NOTADB:
      throw ConfigError(path, "not an SQLite database");
    case SQLITE_CORRUPT:
      throw ConfigError(path, "the database is damaged (" + reason + ")");
    default:
      throw e;
  }
}

// Runs `body` (opening and checking `path`), turning file problems into ConfigError.
template <typename Body>
auto with_file_errors(const std::string& path, bool writing, Body body) {
  try {
    return body();
  } catch (const sqlite::Error& e) {
    rethrow_as_file_problem(e, path, writing);
  }
}

void check_tune_study(sqlite::Database& db) {
  if (!study_schema::holds_tune_tables(db))
    throw ConfigError(db.path(), "not a tune study (it has no tables)");
}

// True when the write-ahead log beside `path` holds changes not yet in the file itself.
bool wal_has_changes(const std::string& path) {
  struct stat info {};
  return stat((path + "-wal").c_str(), &info) == 0 && info.st_size > 0;
}

std::unique_ptr<sqlite::Database> open_read_only(const std::string& path, int busy_timeout_ms) {
  auto db = std::make_unique<sqlite::Database>(path, busy_timeout_ms, sqlite::OpenMode::ReadOnly);
  try {
    check_tune_study(*db);
    return db;
  } catch (const sqlite::Error& e) {
    // A WAL file whose -shm cannot be created: SQLITE_CANTOPEN on a read-only file system,
    // SQLITE_READONLY (_DIRECTORY) in a directory this user may not write.
    if (e.code() != SQLITE_CANTOPEN && e.code() != SQLITE_READONLY) throw;
  }
  if (wal_has_changes(path))
    throw ConfigError(path,
                      "cannot read it: its -wal file holds changes, and the -shm file "
                      "needed to read them cannot be created in a read-only directory; "
                      "copy the study directory somewhere writable");
  db = std::make_unique<sqlite::Database>(path, busy_timeout_ms, sqlite::OpenMode::Immutable);
  check_tune_study(*db);
  return db;
}

}  // namespace

std::unique_ptr<sqlite::Database> open_study_file_for_writing(const std::string& path,
                                                              int busy_timeout_ms,
                                                              int max_wait_ms) {
  study_schema::check_sqlite_header(path);
  return with_file_errors(path, true, [&] {
    auto db = std::make_unique<sqlite::Database>(path, busy_timeout_ms);
    if (db->read_only()) throw ConfigError(path, kReadOnlyWriting);
    retry_busy([&] { study_schema::holds_tune_tables(*db); }, max_wait_ms);
    // The first write: everything above only read.
    retry_busy([&] { db->exec("PRAGMA journal_mode=WAL"); }, max_wait_ms);
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    sqlite::write_transaction(
        *db, [&] { study_schema::create_or_migrate(*db); }, max_wait_ms);
    return db;
  });
}

std::unique_ptr<sqlite::Database> open_study_file_for_reading(const std::string& path,
                                                              int busy_timeout_ms) {
  study_schema::check_sqlite_header(path);
  return with_file_errors(path, false, [&] { return open_read_only(path, busy_timeout_ms); });
}

}  // namespace tune
