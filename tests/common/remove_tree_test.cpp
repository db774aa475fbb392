#include "common/remove_tree.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace tune {
namespace {

bool exists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

TEST(RemoveTree, RemovesNestedFilesButNotWhatLinksPointTo) {
  char pattern[] = "/tmp/tune-remove-XXXXXX";
  ASSERT_TRUE(mkdtemp(pattern));
  std::string root = pattern;
  std::string tree = root + "/tree", outside = root + "/outside.txt";
  ASSERT_EQ(mkdir(tree.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((tree + "/a").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((tree + "/a/b").c_str(), 0755), 0);
  std::ofstream(tree + "/a/b/file.db") << "data";
  std::ofstream(tree + "/top.json") << "{}";
  std::ofstream(outside) << "keep";
  ASSERT_EQ(symlink(outside.c_str(), (tree + "/a/link").c_str()), 0);

  EXPECT_TRUE(remove_tree(tree));
  EXPECT_FALSE(exists(tree));
  EXPECT_TRUE(exists(outside));                 // a link is removed, not followed
  EXPECT_TRUE(remove_tree(root + "/nowhere"));  // nothing to remove is fine
  EXPECT_TRUE(remove_tree(root));
  EXPECT_FALSE(exists(root));
}

}  // namespace
}  // namespace tune
