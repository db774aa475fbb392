#pragma once
// Tabular data from CSV: every column numeric, one of them the class label (a non-negative
// integer). The header row is optional; "auto" takes the first row as a header when any of
// its fields is not a number.
#include <string>
#include <vector>

#include "common/json.h"
#include "data/dataset.h"

namespace tune {

struct CsvOptions {
  // Label column: a name from the header, or a 0-based index (negative counts from the end).
  // null: the last column.
  Json label = nullptr;
  std::string header = "auto";  // "auto", "yes", "no"
  char delimiter = ',';
};

struct CsvTable {
  Examples examples;
  std::vector<std::string> feature_names;  // from the header, else "col<i>"
  int64_t num_classes = 0;                 // largest label + 1
};

// Throws std::runtime_error naming the path, line and column of the first problem.
CsvTable read_csv(const std::string& path, const CsvOptions& options);

}  // namespace tune
