#include "train/fused/fused_groups.h"

#include <algorithm>
#include <exception>
#include <map>

#include "common/hparams.h"
#include "models/builders.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace tune {

std::optional<std::string> fuse_key(const Json& config) {
  try {
    Hyperparameters hp(config, "params");
    if (hp.choice("model", "mlp", builtin_models().names()) != "mlp") return std::nullopt;
    // The input shape is the experiment's, the same for every trial: any will do here.
    const MlpSpec spec = mlp_spec(hp, InputShape{1});
    if (spec.batch_norm) return std::nullopt;
    return "mlp layers=" + std::to_string(spec.units.size()) +
           " batch_size=" + std::to_string(TrainOptions::from(hp).batch_size) +
           " optimizer=" + optimizer_spec(hp).name;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<std::vector<size_t>> form_fused_groups(const std::vector<Json>& configs, int largest) {
  const size_t most = static_cast<size_t>(std::max(1, largest));
  std::vector<std::vector<size_t>> groups;
  std::map<std::string, size_t> open;  // key -> its group still filling
  for (size_t i = 0; i < configs.size(); ++i) {
    std::optional<std::string> key = most > 1 ? fuse_key(configs[i]) : std::nullopt;
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
