#pragma once
// Thin RAII wrappers over libpq: a connection, a query's result (whose rows read through
// RowView), and a transaction that rolls back on any exception. Parameters travel as text
// ($1, $2, ...), so no value is ever spliced into SQL. Not thread-safe: one connection serves
// one thread at a time (the storage holds a mutex).
#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/row_view.h"

namespace tune::pg {

// A failed libpq call; `sqlstate` is the server's error code ("23505": unique violation), empty
// when the connection itself failed.
class Error : public std::runtime_error {
 public:
  Error(std::string sqlstate, const std::string& message, bool connection_lost = false)
      : std::runtime_error(message),
        sqlstate_(std::move(sqlstate)),
        connection_lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }
  // The server could not be reached, went away or is shutting down or starting: the same call
  // may succeed later (whether a COMMIT sent before the loss took effect is unknown).
  bool connection_lost() const { return connection_lost_; }

 private:
  std::string sqlstate_;
  bool connection_lost_;
};

// One parameter in PostgreSQL's text form; nullopt is NULL.
using Param = std::optional<std::string>;
Param param(int64_t value);
inline Param param(int value) {
  return param(static_cast<int64_t>(value));
}
Param param(double value);  // every digit, so it reads back exactly; NaN is NULL
Param param(const std::optional<double>& value);
inline Param param(std::string value) {
  return Param(std::move(value));
}
// Any bytes (invalid UTF-8, NUL), for a bytea column: text columns take only valid UTF-8.
Param bytes_param(const std::string& bytes);

class Result;

// One row of a Result.
class Row : public RowView {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  bool is_null(int column) const override;
  bool is_number(int column) const override;  // a non-null value of a numeric column
  int64_t integer(int column) const override;
  double real(int column) const override;
  std::string text(int column) const override;  // a bytea column's bytes as they are

 private:
  const Result& result_;
  int row_;
};

class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { PQclear(result_); }
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;

  int rows() const { return PQntuples(result_); }
  Row row(int index) const { return Row(*this, index); }
  // Rows an UPDATE or DELETE changed (or an INSERT inserted).
  int affected() const;
  PGresult* handle() const { return result_; }

 private:
  PGresult* result_;
};

class Connection {
 public:
  // Connects with `conninfo` (a postgresql:// URI or key=value words, completed from the PG*
  // environment variables and a service file, as libpq does) and runs the `session` statements
  // (SET ...), again after every reconnection. Error with libpq's message when it cannot.
  explicit Connection(const std::string& conninfo, std::vector<std::string> session = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with parameters; Error with the server's message when it fails.
  Result exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs several statements separated by semicolons, without parameters.
  void exec_script(const std::string& sql);

 private:
  // Error with the server's message unless `result` succeeded.
  void check(const Result& result) const;

  void start_session();

  PGconn* conn_ = nullptr;
  std::vector<std::string> session_;
};

// Runs `body` between `begin` ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") and
// COMMIT; rolls back and rethrows on any exception. `body` returns false to roll back instead
// of committing (a claim that found a conflict).
void transaction(Connection& db, const char* begin, const std::function<bool()>& body);

}  // namespace tune::pg
