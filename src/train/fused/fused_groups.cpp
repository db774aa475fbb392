#include "train/fused/fused_groups.h"

#include <algorithm>
#include <exception>
#include <map>

#include "common/hparams.h"
#include "common/pbt_segment.h"
#include "models/builders.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace tune {
namespace {

// The model's part of a fuse key, or nullopt when it cannot join a group.
std::optional<std::string> model_key(const Hyperparameters& hp, const InputShape& input_shape) {
  const std::string model = hp.choice("model", "mlp", builtin_models().names());
  if (model == "mlp") {
    const MlpSpec spec = mlp_spec(hp, input_shape);
    if (spec.batch_norm) return std::nullopt;
    return "mlp layers=" + std::to_string(spec.units.size());
  }
  if (model == "cnn") {
    const CnnSpec spec = cnn_spec(hp, input_shape);
    if (spec.dense == 0 && spec.dropout > 0) return std::nullopt;
    return "cnn blocks=" + std::to_string(spec.filters.size()) +
           " kernel=" + std::to_string(spec.kernel) + " pool=" + spec.pool +
           " batch_norm=" + std::to_string(spec.batch_norm) +
           " dense=" + std::to_string(spec.dense > 0);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> fuse_key(const Json& config, const std::vector<int64_t>& input_shape) {
  // A population-based stretch goes on from a checkpoint of one trial's optimizer: alone.
  if (config.is_object() && config.contains(kPbtKey)) return std::nullopt;
  try {
    Hyperparameters hp(config, "params");
    std::optional<std::string> model = model_key(hp, input_shape);
    if (!model) return std::nullopt;
    return *model + " batch_size=" + std::to_string(TrainOptions::from(hp).batch_size) +
           " optimizer=" + optimizer_spec(hp).name;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<std::vector<size_t>> form_fused_groups(const std::vector<Json>& configs, int largest,
                                                   const std::vector<int64_t>& input_shape) {
  const size_t most = static_cast<size_t>(std::max(1, largest));
  std::vector<std::vector<size_t>> groups;
  std::map<std::string, size_t> open;  // key -> its group still filling
  for (size_t i = 0; i < configs.size(); ++i) {
    std::optional<std::string> key = most > 1 ? fuse_key(configs[i], input_shape) : std::nullopt;
    if (key) {
      auto it = open.find(*key);
      if (it != open.end() && groups[it->second].size() < most) {
        groups[it->second].push_back(i);
        continue;
      }
      open[*key] = groups.size();
    }
    groups.push_back({i});
  }
  return groups;
}

}  // namespace tune
