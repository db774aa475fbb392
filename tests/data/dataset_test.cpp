#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
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

// load_dataset refuses `section` with a ConfigError whose message holds `part`.
void expect_load_error(const Json& section, const std::string& part) {
  try {
    load_dataset(section, "x.json: data");
    FAIL() << section.dump();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

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

// Examples whose single feature is their id (offset by `first_id`), so that splits can be
// traced back to the examples they hold.
Examples numbered(int64_t n, int64_t first_id) {
  return {torch::arange(first_id, first_id + n, torch::kFloat).unsqueeze(1),
          torch::zeros({n}, torch::kLong)};
}

std::set<int64_t> ids(const Split& s) {
  std::set<int64_t> out;
  for (int64_t i = 0; i < s.size(); ++i) out.insert(s.x[i][0].item<int64_t>());
  return out;
}

bool disjoint(const std::set<int64_t>& a, const std::set<int64_t>& b) {
  for (int64_t v : a)
    if (b.count(v)) return false;
  return true;
}

SplitOptions limited(ValidationSource from, int64_t train_limit, int64_t validation_limit,
                     uint64_t seed = 5) {
  SplitOptions o;
  o.normalization = Normalization::None;
  o.validation_from = from;
  o.train_limit = train_limit;
  o.validation_limit = validation_limit;
  o.seed = seed;
  return o;
}

TEST(Split, LimitsKeepTheFrontOfTheShuffledTrainingSplit) {
  Examples train = numbered(1000, 0);
  Dataset all =
      make_dataset("t", train, std::nullopt, 1, {1}, limited(ValidationSource::Train, 0, 0));
  Dataset cut =
      make_dataset("t", train, std::nullopt, 1, {1}, limited(ValidationSource::Train, 120, 30));
  EXPECT_EQ(all.train.size(), 900);
  EXPECT_EQ(all.val.size(), 100);
  EXPECT_EQ(cut.train.size(), 120);
  EXPECT_EQ(cut.val.size(), 30);
  // The first N of the same shuffle: the limited splits are prefixes of the full ones.
  EXPECT_TRUE(torch::equal(cut.train.x, all.train.x.narrow(0, 0, 120)));
  EXPECT_TRUE(torch::equal(cut.val.x, all.val.x.narrow(0, 0, 30)));
  // Validation from train never overlaps training, limited or not.
  EXPECT_TRUE(disjoint(ids(all.train), ids(all.val)));
  EXPECT_EQ(ids(all.train).size() + ids(all.val).size(), 1000u);
}

TEST(Split, LimitedSplitsRepeatBySeed) {
  Examples train = numbered(500, 0), test = numbered(200, 10000);
  for (auto from : {ValidationSource::Train, ValidationSource::Test}) {
    Dataset a = make_dataset("t", train, test, 1, {1}, limited(from, 64, 16, 1));
    Dataset b = make_dataset("t", train, test, 1, {1}, limited(from, 64, 16, 1));
    Dataset c = make_dataset("t", train, test, 1, {1}, limited(from, 64, 16, 2));
    EXPECT_TRUE(torch::equal(a.train.x, b.train.x));
    EXPECT_TRUE(torch::equal(a.val.x, b.val.x));
    EXPECT_FALSE(torch::equal(a.train.x, c.train.x));
    EXPECT_FALSE(torch::equal(a.val.x, c.val.x));
  }
}

TEST(Split, ValidationFromTestTakesTestExamplesAndLeavesTheRestAsTest) {
  Examples train = numbered(500, 0), test = numbered(200, 10000);
  Dataset d = make_dataset("t", train, test, 1, {1}, limited(ValidationSource::Test, 96, 64));
  EXPECT_EQ(d.train.size(), 96);
  EXPECT_EQ(d.val.size(), 64);
  EXPECT_EQ(d.test.size(), 136);
  for (int64_t id : ids(d.train)) EXPECT_LT(id, 10000);
  for (int64_t id : ids(d.val)) EXPECT_GE(id, 10000);
  EXPECT_TRUE(disjoint(ids(d.val), ids(d.test)));
  EXPECT_EQ(ids(d.val).size() + ids(d.test).size(), 200u);
  // Without a validation limit every test example validates and no test split is left.
  Dataset whole = make_dataset("t", train, test, 1, {1}, limited(ValidationSource::Test, 0, 0));
  EXPECT_EQ(whole.train.size(), 500);
  EXPECT_EQ(whole.val.size(), 200);
  EXPECT_FALSE(whole.has_test());
  EXPECT_THROW(
      make_dataset("t", train, std::nullopt, 1, {1}, limited(ValidationSource::Test, 0, 0)),
      std::invalid_argument);
}

TEST(Split, APerEpochSubsetKeepsEveryTrainingExampleAndTheLimit) {
  Examples train = numbered(500, 0), test = numbered(200, 10000);
  for (auto from : {ValidationSource::Train, ValidationSource::Test}) {
    SplitOptions fixed = limited(from, 64, 16), drawn = fixed;
    drawn.train_subset_per_epoch = true;
    Dataset a = make_dataset("t", train, test, 1, {1}, fixed);
    Dataset b = make_dataset("t", train, test, 1, {1}, drawn);
    EXPECT_EQ(a.train.size(), 64);
    EXPECT_EQ(a.train.epoch_size(), 64);
    EXPECT_EQ(b.train.size(), from == ValidationSource::Train ? 450 : 500);
    EXPECT_EQ(b.train.per_epoch, 64);
    EXPECT_EQ(b.train.epoch_size(), 64);
    // The same validation examples. A pool of part of the training examples (the rest
    // validates) is shuffled, and the fixed subset is its front; a pool of all of them is the
    // examples as they were read, shared rather than copied.
    EXPECT_TRUE(torch::equal(a.val.x, b.val.x));
    if (from == ValidationSource::Train) {
      EXPECT_TRUE(torch::equal(a.train.x, b.train.x.narrow(0, 0, 64)));
    } else {
      EXPECT_TRUE(b.train.x.is_same(train.x));
    }
    EXPECT_TRUE(disjoint(ids(b.train), ids(b.val)));
    EXPECT_EQ(b.to(torch::kCPU).train.per_epoch, 64);
  }
}

TEST(Split, ASharedPoolIsNormalisedIntoACopy) {
  Examples train = numbered(500, 0), test = numbered(200, 10000);
  const torch::Tensor before = train.x.clone();
  SplitOptions o = limited(ValidationSource::Test, 64, 16);
  o.train_subset_per_epoch = true;
  o.normalization = Normalization::Global;
  Dataset d = make_dataset("t", train, test, 1, {1}, o);
  EXPECT_TRUE(torch::equal(train.x, before));  // the caller's examples are left as they were
  EXPECT_NEAR(d.train.x.mean().item<double>(), 0, 1e-5);
  EXPECT_NEAR(d.train.x.std().item<double>(), 1, 1e-5);
}

TEST(LoadDataset, ValidationFromTestThroughTheDataSection) {
  Json section = {{"dataset", "synthetic"},    {"samples", 300},     {"test_samples", 100},
                  {"validation_from", "test"}, {"train_limit", 128}, {"validation_limit", 40},
                  {"normalize", "none"}};
  Dataset d = load_dataset(section, "data");
  SyntheticOptions o;
  o.samples = 300;
  o.test_samples = 100;
  Examples test = make_synthetic(o).test;
  EXPECT_EQ(d.train.size(), 128);
  EXPECT_EQ(d.val.size(), 40);
  EXPECT_EQ(d.test.size(), 60);
  // Every validation example is a row of the test examples.
  for (int64_t i = 0; i < d.val.size(); ++i)
    EXPECT_TRUE((test.x - d.val.x[i]).abs().sum(1).eq(0).any().item<bool>()) << i;
}

TEST(LoadDataset, RejectsBadLimitsAndSources) {
  auto expect_error = [](Json section, const std::string& part) {
    section["dataset"] = "synthetic";
    expect_load_error(section, part);
  };
  expect_error({{"validation_from", "valid"}}, "data.validation_from");
  expect_error({{"validation_from", "valid"}}, "allowed: train, test");
  expect_error({{"train_limit", -1}}, "data.train_limit");
  expect_error({{"validation_limit", 2.5}}, "data.validation_limit");
  expect_error({{"validation_from", "test"}, {"validation_fraction", 0.2}},
               "data.validation_fraction");
  expect_error({{"validation_from", "test"}, {"test_samples", 0}}, "needs a test split");
  expect_error({{"samples", 100}, {"train_limit", 500}}, "train_limit 500");
  expect_error({{"train_subset", "per_epoch"}}, "data.train_subset: \"per_epoch\" draws");
  expect_error({{"train_subset", "each"}, {"train_limit", 10}}, "allowed: fixed, per_epoch");
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
  auto expect_field = expect_load_error;
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
  // Without normalisation the pixels stay bytes, standing for byte / 255.
  Dataset raw = load_dataset(
      {{"dataset", "fashion-mnist"}, {"dir", dir.string()}, {"normalize", "none"}}, "data");
  EXPECT_TRUE(raw.test.bytes());
  EXPECT_TRUE(torch::equal(raw.test.features(), images.narrow(0, 0, 10).unsqueeze(1).div(255.0)));
  EXPECT_FALSE(d.train.bytes());  // normalised features
  // Mismatched counts are a clear error.
  write_idx((dir / "t10k-labels-idx1-ubyte.gz").string(), labels.narrow(0, 0, 9), true);
  EXPECT_THROW(load_dataset({{"dataset", "fashion-mnist"}, {"dir", dir.string()}}, "data"),
               ConfigError);
  remove_tree(dir);
}

TEST(Split, BytesGiveTheFeaturesTorchsDivisionGives) {
  // Every byte value, in rows of 4 bytes.
  auto bytes = torch::arange(256, torch::kLong).to(torch::kUInt8).view({64, 1, 2, 2});
  Split s{bytes, torch::arange(64, torch::kLong), 0, 255.0f};
  const torch::Tensor expected = bytes.div(255.0);  // what the pixels were before
  ASSERT_TRUE(s.bytes());
  EXPECT_TRUE(torch::equal(s.features(), expected));
  EXPECT_EQ(s.features().scalar_type(), torch::kFloat);
  EXPECT_EQ(s.feature_options().dtype(), torch::kFloat);
  auto index = torch::tensor({63, 0, 7, 7, 31}, torch::kLong);
  EXPECT_TRUE(torch::equal(s.rows(index), expected.index_select(0, index)));
  EXPECT_TRUE(torch::equal(s.slice(10, 5), expected.narrow(0, 10, 5)));
  EXPECT_EQ(s.slice(10, 0).size(0), 0);
  EXPECT_THROW(s.rows(torch::tensor({64}, torch::kLong)), c10::Error);
  EXPECT_THROW(s.slice(60, 5), c10::Error);
  // On the CPU they stay bytes; features of other splits are x itself.
  Split moved = s.to(torch::kCPU);
  EXPECT_TRUE(moved.bytes());
  EXPECT_TRUE(moved.x.is_same(bytes));
  Split floats{expected, s.y};
  EXPECT_FALSE(floats.bytes());
  EXPECT_TRUE(floats.features().is_same(expected));
  EXPECT_TRUE(torch::equal(floats.rows(index), s.rows(index)));
  EXPECT_TRUE(torch::equal(floats.slice(10, 5), s.slice(10, 5)));
}

TEST(Split, BytesAreConvertedBeforeNormalising) {
  auto bytes = torch::randint(0, 256, {100, 1, 2, 2}, torch::kLong).to(torch::kUInt8);
  Examples raw{bytes, torch::zeros({100}, torch::kLong), 255.0f};
  Examples floats{bytes.div(255.0), raw.y};
  for (auto mode : {Normalization::None, Normalization::Global, Normalization::PerFeature}) {
    SplitOptions o;
    o.normalization = mode;
    Dataset a = make_dataset("t", raw, raw, 1, {1, 2, 2}, o);
    Dataset b = make_dataset("t", floats, floats, 1, {1, 2, 2}, o);
    EXPECT_EQ(a.train.bytes(), mode == Normalization::None);
    for (auto [x, y] : {std::pair{&a.train, &b.train}, {&a.val, &b.val}, {&a.test, &b.test}})
      EXPECT_TRUE(torch::equal(x->features(), y->features())) << static_cast<int>(mode);
  }
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
