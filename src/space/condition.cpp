// When a conditional parameter is active: a test on its parent's value.
#include <algorithm>

#include "space/space.h"

namespace tune {

bool Condition::holds(const Json& parent_value) const {
  if (parent_value.is_null()) return false;
  if (op == "in" || op == "==")
    return std::find(values.begin(), values.end(), parent_value) != values.end();
  if (op == "!=") return std::find(values.begin(), values.end(), parent_value) == values.end();
  if (values.empty() || !parent_value.is_number() || !values[0].is_number()) return false;
  const double x = parent_value.get<double>(), v = values[0].get<double>();
  if (op == ">=") return x >= v;
  if (op == ">") return x > v;
  if (op == "<=") return x <= v;
  if (op == "<") return x < v;
  return false;
}

}  // namespace tune
