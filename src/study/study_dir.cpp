#include "study/study_dir.h"

#include <filesystem>

#include "common/error.h"

namespace tune {

std::string study_database_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "study.db").string();
}

std::string study_best_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "best.json").string();
}

std::unique_ptr<Storage> open_study_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw ConfigError(dir, "cannot create the study directory: " + error.message());
  return open_sqlite_storage(study_database_path(dir));
}

std::unique_ptr<Storage> open_existing_study(const std::string& dir, const std::string& where) {
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
