#include "data/load.h"

#include <fstream>
#include <set>

#include "common/error.h"
#include "common/hparams.h"
#include "data/csv.h"
#include "data/idx.h"
#include "data/synthetic.h"

namespace tune {
namespace {

const std::vector<std::string> kCommonKeys = {"dataset", "validation_fraction", "split_seed",
                                              "normalize"};

void check_keys(const Hyperparameters& hp, const std::vector<std::string>& own) {
  std::vector<std::string> allowed = kCommonKeys;
  allowed.insert(allowed.end(), own.begin(), own.end());
  for (const auto& item : hp.raw().items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
      hp.fail(item.key(), "unknown key for dataset \"" + hp.text("dataset", "fashion-mnist") +
                              "\"; allowed: " + join(allowed));
  }
}

SplitOptions split_options(const Hyperparameters& hp, const std::string& default_norm) {
  SplitOptions o;
  o.validation_fraction = hp.real("validation_fraction", 0.1, 0.0, 1.0);
  if (o.validation_fraction <= 0 || o.validation_fraction >= 1)
    hp.fail("validation_fraction", "must be strictly between 0 and 1");
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

// "name" or "name.gz", whichever is there.
std::string find_file(const std::string& dir, const std::string& name) {
  std::string plain = dir + "/" + name;
  if (exists(plain)) return plain;
  if (exists(plain + ".gz")) return plain + ".gz";
  throw ConfigError(plain, "dataset file not found (looked for it raw and with .gz)");
}

// IDX images + labels as examples: pixels scaled to [0, 1] floats; images [N, 1, H, W].
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
  auto x = images.to(torch::kFloat).div_(255.0);
  if (x.dim() == 3) x = x.unsqueeze(1);  // [N, H, W] -> [N, 1, H, W]
  if (x.dim() == 1) x = x.unsqueeze(1);
  return {x, labels.to(torch::kLong)};
}

Dataset from_idx(const std::string& name, const Examples& train,
                 const std::optional<Examples>& test, const SplitOptions& split) {
  int64_t classes = train.y.max().item<int64_t>() + 1;
  if (test) classes = std::max(classes, test->y.max().item<int64_t>() + 1);
  std::vector<int64_t> shape(train.x.sizes().begin() + 1, train.x.sizes().end());
  return make_dataset(name, train, test, classes, shape, split);
}

Dataset load_fashion(const Hyperparameters& hp) {
  check_keys(hp, {"dir"});
  std::string dir = hp.text("dir", kFashionMnistDir);
  Examples train = read_idx_pair(find_file(dir, "train-images-idx3-ubyte"),
                                 find_file(dir, "train-labels-idx1-ubyte"));
  Examples test = read_idx_pair(find_file(dir, "t10k-images-idx3-ubyte"),
                                find_file(dir, "t10k-labels-idx1-ubyte"));
  return from_idx("fashion-mnist", train, test, split_options(hp, "global"));
}

Dataset load_idx(const Hyperparameters& hp) {
  check_keys(hp, {"dir", "train_images", "train_labels", "test_images", "test_labels"});
  std::string dir = hp.text("dir", ".");
  auto path = [&](const std::string& key) {
    std::string file = hp.text(key, "");
    if (file.empty()) hp.fail(key, "required for dataset \"idx\"");
    return file[0] == '/' ? file : dir + "/" + file;
  };
  std::string images = path("train_images"), labels = path("train_labels");
  Examples train = read_idx_pair(images, labels);
  std::optional<Examples> test;
  if (hp.has("test_images") != hp.has("test_labels"))
    hp.fail(hp.has("test_images") ? "test_labels" : "test_images",
            "test_images and test_labels go together");
  if (hp.has("test_images")) test = read_idx_pair(path("test_images"), path("test_labels"));
  return from_idx("idx", train, test, split_options(hp, "global"));
}

CsvTable read_csv_checked(const std::string& path, const CsvOptions& options) {
  try {
    return read_csv(path, options);
  } catch (const std::runtime_error& e) {
    throw ConfigError("", e.what());
  }
}

Dataset load_csv(const Hyperparameters& hp) {
  check_keys(hp, {"path", "test_path", "label", "header", "delimiter"});
  CsvOptions o;
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
  std::string path = hp.text("path", "");
  if (path.empty()) hp.fail("path", "required for dataset \"csv\"");
  CsvTable train = read_csv_checked(path, o);
  std::optional<Examples> test;
  int64_t classes = train.num_classes;
  if (hp.has("test_path")) {
    CsvTable t = read_csv_checked(hp.text("test_path", ""), o);
    if (t.examples.x.size(1) != train.examples.x.size(1))
      hp.fail("test_path", "test file has " + std::to_string(t.examples.x.size(1)) +
                               " features, training file " +
                               std::to_string(train.examples.x.size(1)));
    test = t.examples;
    classes = std::max(classes, t.num_classes);
  }
  return make_dataset("csv", train.examples, test, classes, {train.examples.x.size(1)},
                      split_options(hp, "per_feature"));
}

Dataset load_synthetic(const Hyperparameters& hp) {
  check_keys(hp, {"samples", "test_samples", "features", "classes", "separation", "seed", "shape"});
  SyntheticOptions o;
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
  SyntheticData d = make_synthetic(o);
  std::optional<Examples> test;
  if (o.test_samples > 0) test = d.test;
  std::vector<int64_t> shape = o.shape.empty() ? std::vector<int64_t>{o.features} : o.shape;
  return make_dataset("synthetic", d.train, test, o.classes, shape,
                      split_options(hp, "per_feature"));
}

}  // namespace

Dataset load_dataset(const Json& data_section, const std::string& where) {
  Hyperparameters hp(data_section.is_null() ? Json::object() : data_section, where);
  std::string kind =
      hp.choice("dataset", "fashion-mnist", {"fashion-mnist", "idx", "csv", "synthetic"});
  try {
    if (kind == "fashion-mnist") return load_fashion(hp);
    if (kind == "idx") return load_idx(hp);
    if (kind == "csv") return load_csv(hp);
    return load_synthetic(hp);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where, e.what());  // a split that cannot be made
  }
}

}  // namespace tune
