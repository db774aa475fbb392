#include "data/load.h"

#include <sys/stat.h>

#include <fstream>
#include <future>

#include "common/error.h"
#include "common/hparams.h"
#include "data/csv.h"
#include "data/idx.h"
#include "data/synthetic.h"

namespace tune {
namespace {

const std::vector<std::string> kCommonKeys = {
    "dataset",          "validation_fraction", "validation_from", "train_limit",
    "validation_limit", "train_subset",        "split_seed",      "normalize"};

// The keys every dataset takes and this one's own.
void check_data_keys(const Hyperparameters& hp, const std::vector<std::string>& own) {
  std::vector<std::string> allowed = kCommonKeys;
  allowed.insert(allowed.end(), own.begin(), own.end());
  hp.check_keys(allowed);
}

// A limit on a split's examples: a count, or 0 (the default) for all of them.
int64_t example_limit(const Hyperparameters& hp, const std::string& key) {
  long long n = hp.integer(key, 0);
  if (n < 0)
    hp.fail(key, "must be a number of examples >= 1, or 0 for all; got " + std::to_string(n));
  return n;
}

SplitOptions split_options(const Hyperparameters& hp, const std::string& default_norm) {
  SplitOptions o;
  o.validation_fraction = hp.real("validation_fraction", 0.1, 0.0, 1.0);
  if (o.validation_fraction <= 0 || o.validation_fraction >= 1)
    hp.fail("validation_fraction", "must be strictly between 0 and 1");
  const bool from_test = hp.choice("validation_from", "train", {"train", "test"}) == "test";
  if (from_test && hp.has("validation_fraction"))
    hp.fail("validation_fraction",
            "applies only to validation_from \"train\"; with \"test\" use validation_limit");
  o.validation_from = from_test ? ValidationSource::Test : ValidationSource::Train;
  o.train_limit = example_limit(hp, "train_limit");
  o.validation_limit = example_limit(hp, "validation_limit");
  o.train_subset_per_epoch =
      hp.choice("train_subset", "fixed", {"fixed", "per_epoch"}) == "per_epoch";
  if (o.train_subset_per_epoch && o.train_limit == 0)
    hp.fail("train_subset",
            "\"per_epoch\" draws train_limit examples each epoch; set "
            "data.train_limit");
  o.seed = static_cast<uint64_t>(hp.integer("split_seed", 0, 0));
  std::string norm = hp.choice("normalize", default_norm, {"global", "per_feature", "none"});
  o.normalization = norm == "global"        ? Normalization::Global
                    : norm == "per_feature" ? Normalization::PerFeature
                                            : Normalization::None;
  return o;
}

bool exists(const std::string& path) {
  return std::ifstream(path).good();
}

bool is_directory(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// "name" or "name.gz" in the directory `hp`'s `key` names, whichever is there.
std::string find_file(const Hyperparameters& hp, const std::string& key, const std::string& dir,
                      const std::string& name) {
  if (!is_directory(dir)) hp.fail(key, "directory \"" + dir + "\" does not exist");
  std::string plain = dir + "/" + name;
  if (exists(plain)) return plain;
  if (exists(plain + ".gz")) return plain + ".gz";
  hp.fail(key, "\"" + dir + "\" has no " + name + " (looked for it raw and with .gz)");
}

// `hp`'s `key` as a path under `dir` (unless absolute); the file must exist.
std::string existing_file(const Hyperparameters& hp, const std::string& key,
                          const std::string& dir) {
  std::string file = hp.text(key, "");
  if (file.empty()) hp.fail(key, "required for dataset \"" + hp.text("dataset", "") + "\"");
  std::string path = file[0] == '/' || dir.empty() ? file : dir + "/" + file;
  if (!exists(path)) hp.fail(key, "file \"" + path + "\" not found");
  return path;
}

// What load_dataset will read, checked and with its files found, before anything is read.
struct DataPlan {
  std::string kind;
  SplitOptions split;
  // fashion-mnist and idx: image and label files, test pair optional
  std::string train_images, train_labels, test_images, test_labels;
  // csv
  CsvOptions csv;
  std::string path, test_path;
  // synthetic
  SyntheticOptions synthetic;
};

void plan_fashion(const Hyperparameters& hp, DataPlan& plan) {
  check_data_keys(hp, {"dir"});
  std::string dir = hp.text("dir", kFashionMnistDir);
  plan.train_images = find_file(hp, "dir", dir, "train-images-idx3-ubyte");
  plan.train_labels = find_file(hp, "dir", dir, "train-labels-idx1-ubyte");
  plan.test_images = find_file(hp, "dir", dir, "t10k-images-idx3-ubyte");
  plan.test_labels = find_file(hp, "dir", dir, "t10k-labels-idx1-ubyte");
  plan.split = split_options(hp, "global");
}

void plan_idx(const Hyperparameters& hp, DataPlan& plan) {
  check_data_keys(hp, {"dir", "train_images", "train_labels", "test_images", "test_labels"});
  std::string dir = hp.text("dir", ".");
  if (!is_directory(dir)) hp.fail("dir", "directory \"" + dir + "\" does not exist");
  plan.train_images = existing_file(hp, "train_images", dir);
  plan.train_labels = existing_file(hp, "train_labels", dir);
  if (hp.has("test_images") != hp.has("test_labels"))
    hp.fail(hp.has("test_images") ? "test_labels" : "test_images",
            "test_images and test_labels go together");
  if (hp.has("test_images")) {
    plan.test_images = existing_file(hp, "test_images", dir);
    plan.test_labels = existing_file(hp, "test_labels", dir);
  }
  plan.split = split_options(hp, "global");
}

void plan_csv(const Hyperparameters& hp, DataPlan& plan) {
  check_data_keys(hp, {"path", "test_path", "label", "header", "delimiter"});
  CsvOptions& o = plan.csv;
  if (hp.has("label")) {
    const Json& l = hp.raw().at("label");
    if (!l.is_string() && !l.is_number_integer())
      hp.fail("label", "expected a column name or an integer index, got " + describe(l));
    o.label = l;
  }
  o.header = hp.choice("header", "auto", {"auto", "yes", "no"});
  std::string delim = hp.text("delimiter", ",");
  if (delim.size() != 1) hp.fail("delimiter", "expected one character, got \"" + delim + "\"");
  o.delimiter = delim[0];
  plan.path = existing_file(hp, "path", "");
  if (hp.has("test_path")) plan.test_path = existing_file(hp, "test_path", "");
  plan.split = split_options(hp, "per_feature");
}

void plan_synthetic(const Hyperparameters& hp, DataPlan& plan) {
  check_data_keys(
      hp, {"samples", "test_samples", "features", "classes", "separation", "seed", "shape"});
  SyntheticOptions& o = plan.synthetic;
  o.samples = hp.integer("samples", o.samples, 10, 10000000);
  o.test_samples = hp.integer("test_samples", o.test_samples, 0, 10000000);
  o.features = hp.integer("features", o.features, 1, 1000000);
  o.classes = hp.integer("classes", o.classes, 2, 100000);
  o.separation = hp.real("separation", o.separation, 0.0, 1e6);
  o.seed = static_cast<uint64_t>(hp.integer("seed", 0, 0));
  if (hp.has("shape")) {
    const Json& s = hp.raw().at("shape");
    int64_t product = 1;
    if (!s.is_array() || s.empty()) hp.fail("shape", "expected a list of positive integers");
    for (const Json& d : s) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1)
        hp.fail("shape", "expected a list of positive integers, got " + describe(s));
      o.shape.push_back(d.get<int64_t>());
      product *= d.get<int64_t>();
    }
    if (product != o.features)
      hp.fail("shape", describe(s) + " holds " + std::to_string(product) +
                           " values but features is " + std::to_string(o.features));
  }
  plan.split = split_options(hp, "per_feature");
}

DataPlan plan_dataset(const Hyperparameters& hp) {
  DataPlan plan;
  plan.kind = hp.choice("dataset", "fashion-mnist", {"fashion-mnist", "idx", "csv", "synthetic"});
  if (plan.kind == "fashion-mnist") plan_fashion(hp, plan);
  if (plan.kind == "idx") plan_idx(hp, plan);
  if (plan.kind == "csv") plan_csv(hp, plan);
  if (plan.kind == "synthetic") plan_synthetic(hp, plan);
  return plan;
}

// IDX images + labels as examples: images [N, 1, H, W] of bytes standing for byte / 255.
Examples read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  torch::Tensor images, labels;
  try {
    images = read_idx(images_path);
    labels = read_idx(labels_path);
  } catch (const std::runtime_error& e) {
    throw ConfigError("", e.what());
  }
  if (labels.dim() != 1)
    throw ConfigError(labels_path, "labels must be 1-dimensional, got " +
                                       std::to_string(labels.dim()) + " dimensions");
  if (images.size(0) != labels.size(0))
    throw ConfigError(images_path, std::to_string(images.size(0)) + " images but " +
                                       std::to_string(labels.size(0)) + " labels in " +
                                       labels_path);
  // The pixels stay bytes; their features are byte / 255, in [0, 1] (Split::divisor).
  auto x = images;
  if (x.dim() == 3) x = x.unsqueeze(1);  // [N, H, W] -> [N, 1, H, W]
  if (x.dim() == 1) x = x.unsqueeze(1);
  return {x, labels.to(torch::kLong), 255.0f};
}

Dataset load_idx_files(const DataPlan& plan) {
  // The test pair is read on a thread of its own while this one reads the training pair
  // (decompressing Fashion-MNIST's files is most of a study's start).
  std::future<Examples> test_pair;
  if (!plan.test_images.empty())
    test_pair = std::async(std::launch::async, read_idx_pair, plan.test_images, plan.test_labels);
  Examples train = read_idx_pair(plan.train_images, plan.train_labels);
  std::optional<Examples> test;
  if (test_pair.valid()) test = test_pair.get();
  int64_t classes = train.y.max().item<int64_t>() + 1;
  if (test) classes = std::max(classes, test->y.max().item<int64_t>() + 1);
  std::vector<int64_t> shape(train.x.sizes().begin() + 1, train.x.sizes().end());
  return make_dataset(plan.kind, train, test, classes, shape, plan.split);
}

CsvTable read_csv_checked(const std::string& path, const CsvOptions& options) {
  try {
    return read_csv(path, options);
  } catch (const std::runtime_error& e) {
    throw ConfigError("", e.what());
  }
}

Dataset load_csv(const Hyperparameters& hp, const DataPlan& plan) {
  CsvTable train = read_csv_checked(plan.path, plan.csv);
  std::optional<Examples> test;
  int64_t classes = train.num_classes;
  if (!plan.test_path.empty()) {
    CsvTable t = read_csv_checked(plan.test_path, plan.csv);
    if (t.examples.x.size(1) != train.examples.x.size(1))
      hp.fail("test_path", "test file has " + std::to_string(t.examples.x.size(1)) +
                               " features, training file " +
                               std::to_string(train.examples.x.size(1)));
    test = t.examples;
    classes = std::max(classes, t.num_classes);
  }
  return make_dataset("csv", train.examples, test, classes, {train.examples.x.size(1)}, plan.split);
}

Dataset load_synthetic(const DataPlan& plan) {
  const SyntheticOptions& o = plan.synthetic;
  SyntheticData d = make_synthetic(o);
  std::optional<Examples> test;
  if (o.test_samples > 0) test = d.test;
  std::vector<int64_t> shape = o.shape.empty() ? std::vector<int64_t>{o.features} : o.shape;
  return make_dataset("synthetic", d.train, test, o.classes, shape, plan.split);
}

}  // namespace

Dataset load_dataset(const Json& data_section, const std::string& where) {
  Hyperparameters hp(data_section.is_null() ? Json::object() : data_section, where);
  DataPlan plan = plan_dataset(hp);
  try {
    if (plan.kind == "csv") return load_csv(hp, plan);
    if (plan.kind == "synthetic") return load_synthetic(plan);
    return load_idx_files(plan);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where, e.what());  // a split that cannot be made
  }
}

void check_dataset(const Hyperparameters& data) {
  plan_dataset(data);
}

}  // namespace tune
