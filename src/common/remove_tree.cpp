#include "common/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace tune {
namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  std::remove(path);  // files, links and (now empty, visited last) directories
  return 0;           // go on past anything that could not be removed
}

}  // namespace

bool remove_tree(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0) return true;
  nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return lstat(path.c_str(), &info) != 0;
}

}  // namespace tune
