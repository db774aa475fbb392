#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/remove_tree.h"
#include "data/decoded_cache.h"
#include "data/idx.h"

namespace tune {
namespace {

namespace fs = std::filesystem;

torch::Tensor sample_images() {
  return torch::arange(2 * 3 * 4, torch::kInt).remainder(256).to(torch::kUInt8).reshape({2, 3, 4});
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tune_idx_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { remove_tree(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write_bytes(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream(path(name), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  }
  // The first half of a gzip IDX file of sample_images() as `name`.
  void write_cut_gzip(const std::string& name) const {
    write_idx(path("full.gz"), sample_images(), true);
    std::ifstream in(path("full.gz"), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    bytes.resize(bytes.size() / 2);
    write_bytes(name, bytes);
  }
  fs::path dir_;
};

TEST_F(IdxTest, RoundTripsRawAndGzip) {
  auto images = sample_images();
  for (bool gzip : {false, true}) {
    std::string p = path(gzip ? "images.gz" : "images");
    write_idx(p, images, gzip);
    auto back = read_idx(p);
    EXPECT_EQ(back.sizes(), images.sizes());
    EXPECT_TRUE(torch::equal(back, images)) << p;
  }
  // The compressed file really is gzip (magic 1f 8b), the raw one IDX (00 00 08 03).
  std::ifstream gz(path("images.gz"), std::ios::binary), raw(path("images"), std::ios::binary);
  EXPECT_EQ(gz.get(), 0x1f);
  EXPECT_EQ(raw.get(), 0x00);
}

TEST_F(IdxTest, ReadsHandWrittenLabelFile) {
  write_bytes("labels", {0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 9});
  auto labels = read_idx(path("labels"));
  ASSERT_EQ(labels.dim(), 1);
  EXPECT_EQ(labels.size(0), 3);
  EXPECT_EQ(labels[2].item<int>(), 9);
}

void expect_error(const std::string& file, const std::string& needle) {
  try {
    read_idx(file);
    FAIL() << "expected an error for " << file;
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(file), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST_F(IdxTest, RejectsBadMagic) {
  write_bytes("bad", {1, 2, 8, 1, 0, 0, 0, 1, 5});
  expect_error(path("bad"), "magic");
}

TEST_F(IdxTest, RejectsUnsupportedType) {
  write_bytes("float", {0, 0, 0x0D, 1, 0, 0, 0, 1, 5, 5, 5, 5});
  expect_error(path("float"), "element type");
}

TEST_F(IdxTest, RejectsTruncatedHeaderAndData) {
  write_bytes("short_header", {0, 0, 8, 3, 0, 0});
  expect_error(path("short_header"), "truncated IDX header");
  write_bytes("short_data", {0, 0, 8, 1, 0, 0, 0, 4, 1, 2});
  expect_error(path("short_data"), "truncated");
  write_bytes("long_data", {0, 0, 8, 1, 0, 0, 0, 1, 1, 2});
  expect_error(path("long_data"), "trailing data");
}

TEST_F(IdxTest, RejectsTruncatedGzip) {
  write_cut_gzip("cut.gz");
  EXPECT_THROW(read_idx(path("cut.gz")), std::runtime_error);
}

TEST_F(IdxTest, MissingFileNamesThePath) {
  expect_error(path("nope"), "cannot open");
}

// The files in `dir` (none when it is missing).
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) out.push_back(entry.path());
  return out;
}

// Decoded copies (data/decoded_cache.h) in a folder of the test's own; the variables that
// choose the folder are put back after each test.
class DecodedCopies : public IdxTest {
 protected:
  void SetUp() override {
    IdxTest::SetUp();
    for (const char* name : kVariables)
      if (const char* value = std::getenv(name)) saved_[name] = value;
    setenv("TUNE_CACHE_DIR", path("cache").c_str(), 1);
  }
  void TearDown() override {
    for (const char* name : kVariables) {
      auto it = saved_.find(name);
      if (it == saved_.end())
        unsetenv(name);
      else
        setenv(name, it->second.c_str(), 1);
    }
    IdxTest::TearDown();
  }
  fs::path copies() const { return dir_ / "cache" / "idx"; }

 private:
  static constexpr const char* kVariables[] = {"TUNE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
  std::map<std::string, std::string> saved_;
};

TEST_F(DecodedCopies, AGzipFileIsDecodedOnceAndReadFromItsCopyAfter) {
  auto images = sample_images();
  write_idx(path("images.gz"), images, true);
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), images));
  auto copy = decoded_copy_path(path("images.gz"));
  ASSERT_TRUE(copy);
  EXPECT_EQ(files_in(copies()), std::vector<fs::path>{*copy});
  EXPECT_EQ(fs::path(*copy).filename().string().rfind("images-", 0), 0u) << *copy;
  // The copy is what the next read sees: a pixel changed in it shows.
  auto changed = images.clone();
  changed[0][0][0] = 200;
  write_idx(*copy, changed, false);
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), changed));
  // A source written again (another modification time) is decoded afresh under another name.
  auto fresh = images.flip(0).contiguous();
  write_idx(path("images.gz"), fresh, true);
  fs::last_write_time(path("images.gz"),
                      fs::last_write_time(path("images.gz")) + std::chrono::seconds(1));
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), fresh));
  EXPECT_NE(decoded_copy_path(path("images.gz")), copy);
  EXPECT_EQ(files_in(copies()).size(), 2u);
}

TEST_F(DecodedCopies, ADamagedCopyIsReplaced) {
  auto images = sample_images();
  write_idx(path("images.gz"), images, true);
  auto copy = decoded_copy_path(path("images.gz"));
  ASSERT_TRUE(copy);
  fs::create_directories(copies());
  write_bytes("cache/idx/" + fs::path(*copy).filename().string(), {0, 0, 8, 3, 0});  // cut short
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), images));
  EXPECT_TRUE(torch::equal(read_idx(*copy), images));  // rewritten whole
}

TEST_F(DecodedCopies, RawFilesAndBadFilesLeaveNoCopy) {
  write_idx(path("images"), sample_images(), false);
  read_idx(path("images"));
  write_cut_gzip("cut.gz");
  EXPECT_THROW(read_idx(path("cut.gz")), std::runtime_error);
  EXPECT_TRUE(files_in(copies()).empty());
}

TEST_F(DecodedCopies, TheFolderComesFromTuneCacheDirElseXdgCacheHomeElseHome) {
  write_idx(path("images.gz"), sample_images(), true);
  auto folder = [&] { return fs::path(*decoded_copy_path(path("images.gz"))).parent_path(); };
  EXPECT_EQ(folder(), copies());
  unsetenv("TUNE_CACHE_DIR");
  setenv("XDG_CACHE_HOME", path("xdg").c_str(), 1);
  EXPECT_EQ(folder(), dir_ / "xdg" / "tune" / "idx");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", path("home").c_str(), 1);
  EXPECT_EQ(folder(), dir_ / "home" / ".cache" / "tune" / "idx");
  setenv("TUNE_CACHE_DIR", "", 1);  // set but empty: off
  EXPECT_FALSE(decoded_copy_path(path("images.gz")));
}

TEST_F(DecodedCopies, OffOrUnwritableTheReadStillWorks) {
  auto images = sample_images();
  write_idx(path("images.gz"), images, true);
  setenv("TUNE_CACHE_DIR", "off", 1);
  EXPECT_FALSE(decoded_copy_path(path("images.gz")));
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), images));
  EXPECT_TRUE(files_in(copies()).empty());
  write_bytes("a_file", {1});
  setenv("TUNE_CACHE_DIR", path("a_file").c_str(), 1);  // a folder that cannot be made
  EXPECT_TRUE(torch::equal(read_idx(path("images.gz")), images));
}

}  // namespace
}  // namespace tune
