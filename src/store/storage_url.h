#pragma once
// Where a study's storage is, as a URL: `sqlite:///path/study.db` (a file) or
// `postgresql://user:pass@host:port/db` (also `postgres://`; libpq reads the URL itself, so its
// query parameters, the PG* environment variables and a service file all apply). A password
// never leaves this process in anything tune prints: every URL shown goes through
// mask_password.
#include <string>

namespace tune {

enum class StorageKind { Sqlite, Postgres };

struct StorageUrl {
  StorageKind kind = StorageKind::Sqlite;
  std::string target;  // the file (sqlite) or the whole URL, for libpq (postgresql)
};

// ConfigError naming `where` (the flag or field) and the forms allowed, for anything else.
StorageUrl parse_storage_url(const std::string& url, const std::string& where);

// `text` with every password in it replaced by "***": the one in a URL's user information
// (`user:secret@`) and any `password=` setting (a URL's query, libpq's key=value words).
std::string mask_password(const std::string& text);

}  // namespace tune
