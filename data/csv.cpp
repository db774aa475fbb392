#include "data/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace tune {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw std::runtime_error(where + ": " + message);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line, char delimiter) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = line.find(delimiter, start);
    out.push_back(trim(line.substr(start, pos == std::string::npos ? pos : pos - start)));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

bool parse_number(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return errno == 0 && end == text.c_str() + text.size() && std::isfinite(out);
}

bool all_numeric(const std::vector<std::string>& fields) {
  double v = 0;
  for (const auto& f : fields)
    if (!parse_number(f, v)) return false;
  return true;
}

size_t label_column(const CsvOptions& o, const std::vector<std::string>& names,
                    const std::string& path) {
  const Json& l = o.label;
  int64_t cols = static_cast<int64_t>(names.size());
  if (l.is_null()) return names.size() - 1;
  if (l.is_number_integer()) {
    int64_t i = l.get<int64_t>();
    if (i < 0) i += cols;
    if (i < 0 || i >= cols)
      fail(path, "label column " + l.dump() + " is out of range; the file has " +
                     std::to_string(cols) + " columns");
    return static_cast<size_t>(i);
  }
  if (l.is_string()) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == l.get<std::string>()) return i;
    fail(path, "no column named " + l.dump() + " in the header");
  }
  fail(path, "label must be a column name or index, got " + l.dump());
}

}  // namespace

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot open the file (missing or unreadable)");
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> line_numbers;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (trim(line).empty()) continue;
    rows.push_back(split(line, options.delimiter));
    line_numbers.push_back(n);
  }
  if (rows.empty()) fail(path, "the file holds no rows");
  bool header = options.header == "yes" || (options.header == "auto" && !all_numeric(rows[0]));
  std::vector<std::string> names = rows[0];
  if (!header)
    for (size_t i = 0; i < names.size(); ++i) names[i] = "col" + std::to_string(i);
  if (names.size() < 2) fail(path, "need at least two columns (features and a label)");
  size_t label = label_column(options, names, path);
  size_t first = header ? 1 : 0, n = rows.size() - first, cols = names.size();
  if (n == 0) fail(path, "the file holds a header but no data rows");

  auto x = torch::empty({static_cast<int64_t>(n), static_cast<int64_t>(cols - 1)}, torch::kFloat);
  auto y = torch::empty({static_cast<int64_t>(n)}, torch::kLong);
  float* xp = x.data_ptr<float>();
  int64_t* yp = y.data_ptr<int64_t>();
  int64_t max_label = 0;
  for (size_t r = first; r < rows.size(); ++r) {
    std::string where = path + ":" + std::to_string(line_numbers[r]);
    if (rows[r].size() != cols)
      fail(where,
           "expected " + std::to_string(cols) + " fields, got " + std::to_string(rows[r].size()));
    for (size_t c = 0; c < cols; ++c) {
      double v = 0;
      if (!parse_number(rows[r][c], v))
        fail(where, "column " + std::to_string(c + 1) + " (" + names[c] + "): \"" + rows[r][c] +
                        "\" is not a number");
      if (c == label) {
        if (v < 0 || std::floor(v) != v || v > 1e6)
          fail(where, "label \"" + rows[r][c] + "\" must be a non-negative integer class");
        *yp++ = static_cast<int64_t>(v);
        max_label = std::max(max_label, static_cast<int64_t>(v));
      } else {
        *xp++ = static_cast<float>(v);
      }
    }
  }
  CsvTable t;
  t.examples = {x, y};
  for (size_t c = 0; c < cols; ++c)
    if (c != label) t.feature_names.push_back(names[c]);
  t.num_classes = max_label + 1;
  return t;
}

}  // namespace tune
