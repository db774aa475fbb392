#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/error.h"
#include "common/remove_tree.h"
#include "data/cache.h"
#include "data/idx.h"
#include "data/load.h"
#include "data/synthetic.h"

namespace tune {
namespace {

namespace fs = std::filesystem;

TEST(Split, ShuffledIndicesArePermutationsFixedBySeed) {
  auto a = shuffled_indices(50, 7), b = shuffled_indices(50, 7), c = shuffled_indices(50, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
}

TEST(Split, NormalisesWithTrainingStatisticsOnlyAndKeepsTestApart) {
  // Training features around 0, test features around 100: test must not shift the statistics.
  Examples train{torch::randn({200, 3}), torch::zeros({200}, torch::kLong)};
  Examples test{torch::randn({50, 3}) + 100, torch::ones({50}, torch::kLong)};
  SplitOptions o;
  o.validation_fraction = 0.25;
  o.normalization = Normalization::PerFeature;
  Dataset d = make_dataset("t", train, test, 2, {3}, o);
  EXPECT_EQ(d.train.size(), 150);
  EXPECT_EQ(d.val.size(), 50);
  EXPECT_EQ(d.test.size(), 50);
  EXPECT_NEAR(d.train.x.mean().item<float>(), 0.0, 1e-4);
  EXPECT_GT(d.test.x.mean().item<float>(), 50.0);
  EXPECT_TRUE(torch::all(d.test.y == 1).item<bool>());
}

TEST(Split, SameSeedSameSplit) {
  Json section = {{"dataset", "synthetic"}, {"samples", 100}, {"split_seed", 3}};
  Dataset a = load_dataset(section, "data"), b = load_dataset(section, "data");
  EXPECT_TRUE(torch::equal(a.val.x, b.val.x));
  section["split_seed"] = 4;
  Dataset c = load_dataset(section, "data");
  EXPECT_FALSE(torch::equal(a.val.x, c.val.x));
}

TEST(Synthetic, ShapeAndClasses) {
  Json section = {{"dataset", "synthetic"}, {"samples", 90}, {"test_samples", 30},
                  {"features", 12},         {"classes", 4},  {"shape", {3, 2, 2}}};
  Dataset d = load_dataset(section, "data");
  EXPECT_EQ(d.input_shape, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(d.train.x.sizes(), (std::vector<int64_t>{81, 3, 2, 2}));
  EXPECT_EQ(d.num_classes, 4);
  EXPECT_EQ(d.test.size(), 30);
  EXPECT_LT(d.train.y.max().item<int64_t>(), 4);
}

TEST(LoadDataset, RejectsBadSections) {
  auto expect_field = [](const Json& s, const std::string& field) {
    try {
      load_dataset(s, "x.json: data");
      FAIL() << s.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_field({{"dataset", "imagenet"}}, "data.dataset");
  expect_field({{"dataset", "synthetic"}, {"samples", "many"}}, "data.samples");
  expect_field({{"dataset", "synthetic"}, {"colour", 1}}, "data.colour");
  expect_field({{"dataset", "synthetic"}, {"validation_fraction", 1.5}}, "validation_fraction");
  expect_field({{"dataset", "synthetic"}, {"features", 4}, {"shape", {3, 3}}}, "data.shape");
  expect_field({{"dataset", "idx"}}, "data.train_images");
  expect_field({{"dataset", "fashion-mnist"}, {"dir", "/nonexistent"}}, "/nonexistent");
}

TEST(LoadDataset, IdxDirectoryWithImagesAndLabels) {
  fs::path dir = fs::temp_directory_path() / ("tune_idxds_" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto images = torch::randint(0, 256, {40, 4, 4}, torch::kLong).to(torch::kUInt8);
  auto labels = torch::arange(40, torch::kLong).remainder(5).to(torch::kUInt8);
  write_idx((dir / "train-images-idx3-ubyte.gz").string(), images, true);
  write_idx((dir / "train-labels-idx1-ubyte").string(), labels, false);
  write_idx((dir / "t10k-images-idx3-ubyte").string(), images.narrow(0, 0, 10), false);
  write_idx((dir / "t10k-labels-idx1-ubyte.gz").string(), labels.narrow(0, 0, 10), true);
  Dataset d = load_dataset({{"dataset", "fashion-mnist"}, {"dir", dir.string()}}, "data");
  EXPECT_EQ(d.input_shape, (std::vector<int64_t>{1, 4, 4}));
  EXPECT_EQ(d.num_classes, 5);
  EXPECT_EQ(d.train.size(), 36);
  EXPECT_EQ(d.test.size(), 10);
  // Mismatched counts are a clear error.
  write_idx((dir / "t10k-labels-idx1-ubyte.gz").string(), labels.narrow(0, 0, 9), true);
  EXPECT_THROW(load_dataset({{"dataset", "fashion-mnist"}, {"dir", dir.string()}}, "data"),
               ConfigError);
  remove_tree(dir);
}

TEST(DatasetCache, LoadsOnceForConcurrentCallers) {
  DatasetCache cache;
  Json section = {{"dataset", "synthetic"}, {"samples", 200}};
  std::vector<std::shared_ptr<const Dataset>> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = cache.get(section, "cpu", "data"); });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g.get(), got[0].get());
  EXPECT_EQ(cache.size(), 1u);
  // A failed load is not kept.
  EXPECT_THROW(cache.get({{"dataset", "nope"}}, "cpu", "data"), ConfigError);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace tune
