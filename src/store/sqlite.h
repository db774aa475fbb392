#pragma once
// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement, and a write
// transaction that retries while another process holds the database.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "store/row_view.h"

namespace tune::sqlite {

// A failed SQLite call; `code` is the primary result code (SQLITE_BUSY, ...).
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  // True for the codes that mean "another connection holds a lock: try again".
  bool busy() const { return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED; }

 private:
  int code_;
};

// How a connection opens its file.
enum class OpenMode {
  ReadWrite,  // creating the file if needed; SQLite falls back to reading when it cannot write
  ReadOnly,   // never writes the file; a WAL database needs its -shm file or a writable directory
  // Read-only, and SQLite trusts that nothing changes the file meanwhile: no locks, no WAL.
  // Only for a file that cannot change (a read-only file system).
  Immutable,
};

class Database {
 public:
  // Opens `path`; `busy_timeout_ms` is how long a statement waits for a lock held by another
  // connection before failing with SQLITE_BUSY.
  Database(const std::string& path, int busy_timeout_ms, OpenMode mode = OpenMode::ReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const;
  // True when the connection cannot write (opened read-only, or the file or its file system
  // refused writing).
  bool read_only() const;
  // Throws Error for `code` unless it is SQLITE_OK/ROW/DONE; `what` says which call failed.
  void check(int code, const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement; after step() returns true, the current row reads through RowView.
class Statement : public RowView {
 public:
  Statement(Database& db, const std::string& sql);
  ~Statement() override;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const std::optional<double>& value);
  Statement& bind_null(int index);

  // Advances; true while a row is available, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  bool is_null(int column) const override;
  bool is_number(int column) const override;  // an INTEGER or REAL value
  int64_t integer(int column) const override;
  double real(int column) const override;
  std::string text(int column) const override;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// Runs `body` inside `BEGIN IMMEDIATE` (the write lock is taken up front, so two writers never
// deadlock upgrading read locks) and commits. When another connection holds the lock past the
// busy timeout, or the commit is refused as busy, the transaction is rolled back and `body` run
// again, up to `max_wait_ms` in all. Any other exception rolls back and propagates.
void write_transaction(Database& db, const std::function<void()>& body, int max_wait_ms);
// Runs `body` inside a deferred (read) transaction: one consistent snapshot for several
// queries. Retried like write_transaction.
void read_transaction(Database& db, const std::function<void()>& body, int max_wait_ms);

}  // namespace tune::sqlite
