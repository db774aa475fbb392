#include "store/sqlite.h"

#include <cctype>
#include <chrono>
#include <thread>

namespace tune::sqlite {

namespace {

// `path` as an SQLite URI filename: every byte but unreserved ones and '/' percent-encoded, so
// that '?', '#' and '%' in a directory name keep their meaning.
std::string uri_path(const std::string& path) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

Database::Database(const std::string& path, int busy_timeout_ms, OpenMode mode) : path_(path) {
  std::string name = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (mode == OpenMode::ReadOnly) flags = SQLITE_OPEN_READONLY;
  if (mode == OpenMode::Immutable) {
    name = "file:" + uri_path(path) + "?immutable=1";
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
  }
  int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(rc, "cannot open SQLite database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 0);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Database::~Database() {
  sqlite3_close(db_);
}

void Database::check(int code, const std::string& what) const {
  if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE) return;
  throw Error(code & 0xff, path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

void Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(rc & 0xff, path_ + ": " + sql.substr(0, 60) + ": " + text);
  }
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

bool Database::read_only() const {
  return sqlite3_db_readonly(db_, "main") == 1;
}

Statement::Statement(Database& db, const std::string& sql) : db_(db), sql_(sql) {
  db_.check(sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr),
            "prepare " + sql.substr(0, 60));
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
  db_.check(sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  db_.check(sqlite3_bind_double(stmt_, index, value), "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  db_.check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT),
            "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<double>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  db_.check(sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.check(rc, sql_.substr(0, 60));
  return false;
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::is_number(int column) const {
  int type = sqlite3_column_type(stmt_, column);
  return type == SQLITE_INTEGER || type == SQLITE_FLOAT;
}

int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

namespace {

void rollback_quietly(Database& db) {
  // Fails harmlessly when SQLite already rolled back (some errors do so automatically).
  if (!sqlite3_get_autocommit(db.handle())) sqlite3_exec(db.handle(), "ROLLBACK", 0, 0, 0);
}

void transaction(Database& db, const char* begin, const std::function<void()>& body,
                 int max_wait_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(max_wait_ms);
  std::chrono::milliseconds pause(5);
  for (;;) {
    try {
      db.exec(begin);
      body();
      db.exec("COMMIT");
      return;
    } catch (const Error& e) {
      rollback_quietly(db);
      if (!e.busy() || Clock::now() >= deadline) throw;
    } catch (...) {
      rollback_quietly(db);
      throw;
    }
    // Another connection holds the lock beyond the busy timeout: back off and try again.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

}  // namespace

void write_transaction(Database& db, const std::function<void()>& body, int max_wait_ms) {
  transaction(db, "BEGIN IMMEDIATE", body, max_wait_ms);
}

void read_transaction(Database& db, const std::function<void()>& body, int max_wait_ms) {
  transaction(db, "BEGIN", body, max_wait_ms);
}

}  // namespace tune::sqlite
