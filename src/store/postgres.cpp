#include "store/postgres.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tune::pg {
namespace {

// libpq's message on one line: its lines (a hint, a detail) joined with spaces.
std::string one_line(const char* message) {
  std::string text;
  for (const char* c = message ? message : ""; *c; ++c) {
    const bool blank = *c == '\n' || *c == '\t' || *c == ' ';
    if (!blank)
      text.push_back(*c);
    else if (!text.empty() && text.back() != ' ')
      text.push_back(' ');
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Types by OID (pg_type.h): int2, int4, int8, float4, float8, numeric; bytea.
bool numeric_type(Oid type) {
  return type == 21 || type == 23 || type == 20 || type == 700 || type == 701 || type == 1700;
}
constexpr Oid kByteaType = 17;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// bytea's text form (hex, the default since PostgreSQL 9.0: "\x4142") as the bytes it holds.
std::string from_bytea_hex(const char* text, size_t length) {
  std::string bytes;
  for (size_t i = 2; i + 1 < length; i += 2)
    bytes.push_back(static_cast<char>(hex_digit(text[i]) * 16 + hex_digit(text[i + 1])));
  return bytes;
}

}  // namespace

Param param(int64_t value) {
  return std::to_string(value);
}

Param param(double value) {
  if (std::isnan(value)) return std::nullopt;
  if (std::isinf(value)) return std::string(value > 0 ? "Infinity" : "-Infinity");
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return std::string(text);
}

Param bytes_param(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string text = "\\x";
  for (unsigned char c : bytes) {
    text.push_back(kHex[c >> 4]);
    text.push_back(kHex[c & 15]);
  }
  return text;
}

Param param(const std::optional<double>& value) {
  return value ? param(*value) : std::nullopt;
}

bool Row::is_null(int column) const {
  return PQgetisnull(result_.handle(), row_, column) != 0;
}

bool Row::is_number(int column) const {
  return !is_null(column) && numeric_type(PQftype(result_.handle(), column));
}

int64_t Row::integer(int column) const {
  return std::strtoll(PQgetvalue(result_.handle(), row_, column), nullptr, 10);
}

double Row::real(int column) const {
  // PostgreSQL writes the shortest text that reads back exactly, and Infinity/-Infinity/NaN,
  // all of which strtod reads.
  return std::strtod(PQgetvalue(result_.handle(), row_, column), nullptr);
}

std::string Row::text(int column) const {
  const char* value = PQgetvalue(result_.handle(), row_, column);
  const auto length = static_cast<size_t>(PQgetlength(result_.handle(), row_, column));
  if (PQftype(result_.handle(), column) == kByteaType) return from_bytea_hex(value, length);
  return std::string(value, length);
}

int Result::affected() const {
  return std::atoi(PQcmdTuples(result_));
}

Connection::Connection(const std::string& conninfo, std::vector<std::string> session)
    : session_(std::move(session)) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!conn_) throw Error("", "out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = one_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("", message);
  }
  // The server's notices ("relation already exists, skipping") are not for the user.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  try {
    start_session();
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

void Connection::start_session() {
  for (const auto& statement : session_) exec_script(statement);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Result Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  // A connection the server dropped (a restart, a network fault) failed the call that saw it;
  // the next call connects again rather than failing for good.
  if (PQstatus(conn_) == CONNECTION_BAD) {
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) start_session();
  }
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Result result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
  check(result);
  return result;
}

void Connection::exec_script(const std::string& sql) {
  check(Result(PQexec(conn_, sql.c_str())));
}

void Connection::check(const Result& result) const {
  ExecStatusType status = PQresultStatus(result.handle());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  const char* field = PQresultErrorField(result.handle(), PG_DIAG_SQLSTATE);
  const std::string state = field ? field : "";
  // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
  const bool lost = PQstatus(conn_) == CONNECTION_BAD || state.rfind("08", 0) == 0 ||
                    state == "57P01" || state == "57P02" || state == "57P03";
  throw Error(state, one_line(PQerrorMessage(conn_)), lost);
}

void transaction(Connection& db, const char* begin, const std::function<bool()>& body) {
  db.exec(begin);
  try {
    if (body()) {
      db.exec("COMMIT");
      return;
    }
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (const Error&) {
      // The connection is gone: the server rolls the transaction back itself.
    }
    throw;
  }
  db.exec("ROLLBACK");
}

}  // namespace tune::pg
