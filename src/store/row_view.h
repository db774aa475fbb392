#pragma once
// One row of a query result, column by column (0-based), as every storage backend reads it:
// what trial_rows.h parses, so that the rules for reading a stored row are written once.
#include <cstdint>
#include <optional>
#include <string>

namespace tune {

class RowView {
 public:
  virtual ~RowView() = default;
  virtual bool is_null(int column) const = 0;
  // An integer or real value (an SQLite column holds any type; a PostgreSQL one its own).
  virtual bool is_number(int column) const = 0;
  virtual int64_t integer(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual std::string text(int column) const = 0;
  std::optional<double> optional_real(int column) const {
    if (is_null(column)) return std::nullopt;
    return real(column);
  }
};

}  // namespace tune
