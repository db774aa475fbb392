#include "common/pbt_segment.h"

#include "common/error.h"
#include "common/hparams.h"

namespace tune {
namespace {

int integer_field(const Json& pbt, const char* key, int low, const std::string& where) {
  auto it = pbt.find(key);
  if (it == pbt.end() || !it->is_number_integer() || it->get<int64_t>() < low)
    throw ConfigError(where + "." + key,
                      "expected an integer >= " + std::to_string(low) +
                          (it == pbt.end() ? ", missing" : ", got " + it->dump()));
  return it->get<int>();
}

std::optional<int> optional_field(const Json& pbt, const char* key, const std::string& where) {
  if (!pbt.contains(key) || pbt.at(key).is_null()) return std::nullopt;
  return integer_field(pbt, key, 0, where);
}

}  // namespace

Json PbtSegment::to_json() const {
  Json out = {{"member", member}, {"from_epoch", from_epoch}, {"to_epoch", to_epoch}};
  if (parent) out["parent"] = *parent;
  if (exploited) out["exploited"] = *exploited;
  return out;
}

std::optional<PbtSegment> PbtSegment::from_config(const Json& config, const std::string& where) {
  if (!config.is_object() || !config.contains(kPbtKey)) return std::nullopt;
  const Json& pbt = config.at(kPbtKey);
  const std::string field = where + "." + kPbtKey;
  if (!pbt.is_object()) throw ConfigError(field, "expected an object, got " + pbt.dump());
  check_keys(pbt, {"member", "from_epoch", "to_epoch", "parent", "exploited"}, field);
  PbtSegment s;
  s.member = integer_field(pbt, "member", 0, field);
  s.from_epoch = integer_field(pbt, "from_epoch", 0, field);
  s.to_epoch = integer_field(pbt, "to_epoch", s.from_epoch + 1, field);
  s.parent = optional_field(pbt, "parent", field);
  s.exploited = optional_field(pbt, "exploited", field);
  if (s.from_epoch > 0 && !s.parent)
    throw ConfigError(field + ".parent",
                      "a segment that starts after epoch 0 needs the trial "
                      "whose checkpoint it continues");
  return s;
}

Json without_pbt(const Json& config) {
  if (!config.is_object() || !config.contains(kPbtKey)) return config;
  Json out = config;
  out.erase(kPbtKey);
  return out;
}

}  // namespace tune
