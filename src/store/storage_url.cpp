#include "store/storage_url.h"

#include "common/error.h"

namespace tune {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Replaces the password of each "scheme://user:password@" in `text`.
std::string mask_user_info(std::string text) {
  for (size_t scheme = text.find("://"); scheme != std::string::npos;
       scheme = text.find("://", scheme + 3)) {
    const size_t start = scheme + 3;
    const size_t end = text.find_first_of("/?# \t\n", start);
    const size_t at = text.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
    if (at == std::string::npos || at < start) continue;
    const size_t colon = text.find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    text.replace(colon + 1, at - colon - 1, "***");
  }
  return text;
}

// Replaces the value of each "password=VALUE" (VALUE up to '&', a blank, or a quoted string).
std::string mask_password_settings(std::string text) {
  const std::string key = "password=";
  for (size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + 1)) {
    const size_t start = pos + key.size();
    size_t end = start;
    if (start < text.size() && text[start] == '\'') {
      for (end = start + 1; end < text.size() && text[end] != '\''; ++end)
        if (text[end] == '\\') ++end;
      end = std::min(end + 1, text.size());
    } else {
      end = text.find_first_of("& \t\n", start);
      if (end == std::string::npos) end = text.size();
    }
    text.replace(start, end - start, "***");
  }
  return text;
}

}  // namespace

StorageUrl parse_storage_url(const std::string& url, const std::string& where) {
  const std::string sqlite = "sqlite://";
  if (starts_with(url, sqlite)) {
    std::string path = url.substr(sqlite.size());
    if (path.empty() || path[0] != '/')
      throw ConfigError(where, "\"" + mask_password(url) +
                                   "\": an SQLite URL names an absolute path, three slashes: "
                                   "sqlite:///path/study.db");
    return {StorageKind::Sqlite, path};
  }
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://"))
    return {StorageKind::Postgres, url};
  throw ConfigError(where, "unknown storage \"" + mask_password(url) +
                               "\"; allowed: sqlite:///path/study.db, "
                               "postgresql://user:password@host:port/database");
}

std::string mask_password(const std::string& text) {
  return mask_password_settings(mask_user_info(text));
}

}  // namespace tune
