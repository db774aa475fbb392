#include "data/decoded_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "study/best_file.h"

namespace tune {
namespace {

namespace fs = std::filesystem;

// The cache's folder, or empty when the cache is off.
std::string cache_dir() {
  if (const char* dir = std::getenv("TUNE_CACHE_DIR"))
    return std::string(dir) == "off" ? "" : std::string(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/tune";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/tune";
  return "";
}

// 64-bit FNV-1a: the same name for the same source in every build.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::optional<std::string> decoded_copy_path(const std::string& source) {
  const std::string dir = cache_dir();
  if (dir.empty()) return std::nullopt;
  struct stat st {};
  std::error_code error;
  const fs::path full = fs::absolute(source, error);
  if (error || ::stat(source.c_str(), &st) != 0) return std::nullopt;
  const std::string key = full.string() + "|" + std::to_string(st.st_size) + "|" +
                          std::to_string(st.st_mtim.tv_sec) + "." +
                          std::to_string(st.st_mtim.tv_nsec) + "|" + std::to_string(st.st_dev) +
                          "|" + std::to_string(st.st_ino);
  std::string name = full.filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
  return dir + "/idx/" + name + "-" + hash;
}

std::optional<MappedFile> map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  void* p = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);  // the mapping stays
  if (p == MAP_FAILED) return std::nullopt;
  const size_t size = static_cast<size_t>(st.st_size);
  return MappedFile{
      std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [size](uint8_t* q) { ::munmap(q, size); }),
      size};
}

bool write_decoded_copy(const std::string& path, const uint8_t* data, size_t size) {
  try {
    write_file_atomically(path, [&](const std::string& temporary) {
      std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(temporary.c_str(), "wb"), std::fclose);
      if (!f || std::fwrite(data, 1, size, f.get()) != size || std::fflush(f.get()) != 0)
        throw std::runtime_error("cannot write " + temporary);
    });
    return true;
  } catch (const std::exception&) {
    return false;  // a read-only or full disk: the next read decodes again
  }
}

}  // namespace tune
