#pragma once
// Builds a Dataset from an experiment's "data" section:
//   "dataset": "fashion-mnist" (default) | "idx" | "csv" | "synthetic"
//   common: "validation_from": "train" (default: a fraction of the training examples) |
//           "test" (the test examples; those left over stay the test split),
//           "validation_fraction" (0.1, in (0, 1); "train" only), "split_seed" (0),
//           "train_limit", "validation_limit" (0: all; else the first N after the seeded
//           shuffle), "normalize": "global" (images) | "per_feature" (csv, synthetic) | "none"
//   fashion-mnist: "dir" (/usr/share/datasets/fashion-mnist); files train-images-idx3-ubyte,
//           train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each
//           raw or with ".gz"
//   idx: "dir" ("."), "train_images", "train_labels" (required), "test_images",
//           "test_labels" (optional, together)
//   csv: "path" (required), "test_path", "label" (name or index; last column), "header"
//           ("auto" | "yes" | "no"), "delimiter" (",")
//   synthetic: "samples" (1000), "test_samples" (200), "features" (20), "classes" (3),
//           "separation" (3.0), "seed" (0), "shape" (e.g. [1, 4, 5])
// Unknown keys, wrong types and out-of-range values throw ConfigError naming `where`.field;
// missing files throw ConfigError naming the field (data.dir) and the path, corrupt ones the path.
#include <string>

#include "common/hparams.h"
#include "common/json.h"
#include "data/dataset.h"

namespace tune {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

Dataset load_dataset(const Json& data_section, const std::string& where);

// Checks a data section as load_dataset reads it (keys, types, ranges) and that its files and
// directories exist, without reading them: cheap enough to run before a study starts. `data`
// is a Hyperparameters over the section, whose source and origins name the errors.
void check_dataset(const Hyperparameters& data);

}  // namespace tune
