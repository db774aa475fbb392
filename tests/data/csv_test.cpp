#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/remove_tree.h"
#include "data/csv.h"
#include "data/load.h"

namespace tune {
namespace {

namespace fs = std::filesystem;

class CsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tune_csv_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { remove_tree(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  fs::path dir_;
};

TEST_F(CsvTest, ReadsHeaderAndNamedLabel) {
  std::string p = write("a.csv", "x1, class ,x2\n1.5,2,3\n-1,0,4e1\n\n0,1,0\n");
  CsvOptions o;
  o.label = "class";
  CsvTable t = read_csv(p, o);
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x1", "x2"}));
  ASSERT_EQ(t.examples.x.sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_FLOAT_EQ(t.examples.x[1][1].item<float>(), 40.0f);
  EXPECT_EQ(t.examples.y[0].item<int64_t>(), 2);
  EXPECT_EQ(t.num_classes, 3);
}

TEST_F(CsvTest, HeaderlessWithLabelIndexAndDefault) {
  std::string p = write("b.csv", "1;0;5\n2;1;6\n");
  CsvOptions o;
  o.delimiter = ';';
  CsvTable last = read_csv(p, o);
  EXPECT_EQ(last.examples.y[1].item<int64_t>(), 6);
  o.label = 1;
  CsvTable second = read_csv(p, o);
  EXPECT_EQ(second.examples.y[1].item<int64_t>(), 1);
  EXPECT_FLOAT_EQ(second.examples.x[1][1].item<float>(), 6.0f);
}

TEST_F(CsvTest, ErrorsNameLineAndColumn) {
  std::string p = write("c.csv", "a,b\n1,0\nfoo,1\n");
  try {
    read_csv(p, CsvOptions{});
    FAIL();
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(p + ":3"), std::string::npos) << what;
    EXPECT_NE(what.find("foo"), std::string::npos) << what;
  }
  EXPECT_THROW(read_csv(write("d.csv", "1,0\n2\n"), CsvOptions{}), std::runtime_error);
  EXPECT_THROW(read_csv(write("e.csv", "1,0.5\n"), CsvOptions{}), std::runtime_error);
  CsvOptions named;
  named.label = "missing";
  EXPECT_THROW(read_csv(write("f.csv", "a,b\n1,0\n"), named), std::runtime_error);
}

TEST_F(CsvTest, LoadsAsDatasetWithPerFeatureNormalisation) {
  std::string text = "f0,f1,label\n";
  for (int i = 0; i < 100; ++i)
    text += std::to_string(i) + "," + std::to_string(1000 + 10 * i) + "," + std::to_string(i % 2) +
            "\n";
  Json section = {{"dataset", "csv"}, {"path", write("g.csv", text)}, {"label", "label"}};
  Dataset d = load_dataset(section, "data");
  EXPECT_EQ(d.train.size() + d.val.size(), 100);
  EXPECT_EQ(d.val.size(), 10);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_FALSE(d.has_test());
  auto mean = d.train.x.mean(0);
  EXPECT_NEAR(mean[0].item<float>(), 0.0, 1e-4);
  EXPECT_NEAR(mean[1].item<float>(), 0.0, 1e-4);
  EXPECT_NEAR(d.train.x.std(0)[1].item<float>(), 1.0, 1e-4);
}

TEST_F(CsvTest, MissingFileIsConfigError) {
  Json section = {{"dataset", "csv"}, {"path", (dir_ / "none.csv").string()}};
  EXPECT_THROW(load_dataset(section, "data"), ConfigError);
}

}  // namespace
}  // namespace tune
