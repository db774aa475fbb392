#include "study/study_dir.h"

#include <filesystem>
#include <optional>

#include "common/error.h"
#include "store/storage_url.h"

namespace tune {

std::string study_database_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "study.db").string();
}

std::string study_best_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "best.json").string();
}

std::string study_best_weights_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "best.pt").string();
}

std::string study_trial_weights_path(const std::string& dir, int number) {
  return (std::filesystem::path(dir) / "weights" / ("trial-" + std::to_string(number) + ".pt"))
      .string();
}

std::string study_checkpoint_path(const std::string& dir, int number) {
  return (std::filesystem::path(dir) / "checkpoints" / ("trial-" + std::to_string(number) + ".pt"))
      .string();
}

std::string study_name(const std::string& dir) {
  std::filesystem::path path(dir);
  if (!path.has_filename()) path = path.parent_path();  // "studies/mnist/"
  return path.filename().string();
}

std::string describe_study(const std::string& dir, const std::string& storage_url) {
  if (storage_url.empty()) return dir;
  return dir + " in " + mask_password(storage_url);
}

namespace {

std::unique_ptr<Storage> open_for_writing(const StorageUrl& url, const std::string& study,
                                          const std::string& flag, double retry_seconds) {
  if (url.kind == StorageKind::Sqlite) return open_sqlite_storage(url.target);
  try {
    return open_postgres_storage(url.target, study, retry_seconds);
  } catch (const ConfigError& e) {
    throw ConfigError(flag, e.what());
  }
}

}  // namespace

std::unique_ptr<Storage> open_study_dir(const std::string& dir, const std::string& storage_url,
                                        const std::string& flag, double retry_seconds) {
  // Checked before the directory is made: a mistyped URL leaves nothing behind.
  std::optional<StorageUrl> url;
  if (!storage_url.empty()) url = parse_storage_url(storage_url, flag);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw ConfigError(dir, "cannot create the study directory: " + error.message());
  if (!url) return open_sqlite_storage(study_database_path(dir));
  return open_for_writing(*url, study_name(dir), flag, retry_seconds);
}

std::unique_ptr<Storage> open_storage_url(const std::string& storage_url, const std::string& study,
                                          const std::string& flag) {
  return open_for_writing(parse_storage_url(storage_url, flag), study, flag,
                          kDefaultStorageRetrySeconds);
}

std::unique_ptr<Storage> open_existing_study(const std::string& dir, const std::string& where,
                                             const std::string& storage_url,
                                             const std::string& flag) {
  if (!storage_url.empty()) {
    StorageUrl url = parse_storage_url(storage_url, flag);
    if (url.kind == StorageKind::Sqlite) {
      if (!std::filesystem::is_regular_file(url.target))
        throw ConfigError(flag, "no study database \"" + url.target + "\"");
      return open_sqlite_storage_readonly(url.target);
    }
    try {
      return open_postgres_storage_readonly(url.target, study_name(dir));
    } catch (const ConfigError& e) {
      throw ConfigError(flag, e.what());
    }
  }
  if (!std::filesystem::is_directory(dir))
    throw ConfigError(where, "no study directory \"" + dir + "\"");
  if (!std::filesystem::is_regular_file(study_database_path(dir)))
    throw ConfigError(where, "\"" + dir + "\" holds no study (no study.db)");
  // Read-only: reading a study must work where it cannot be written (a read-only file system,
  // someone else's files) and must never migrate or lock out the run writing it.
  return open_sqlite_storage_readonly(study_database_path(dir));
}

Direction study_direction(Storage& storage) {
  auto recorded = storage.attr(kDirectionAttr);
  if (recorded && recorded->is_string())
    return direction_from_string(recorded->get<std::string>(), "study attribute direction");
  return Direction::Minimize;
}

}  // namespace tune
