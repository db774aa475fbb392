#pragma once
// Which trials of a batch can train as one fused group (FusedTrainer): mlp trials with the same
// number of layers, batch size and optimizer, and no batch norm: what make_fused_trainer
// requires. Widths, activations, dropout, learning rates and other optimizer knobs, epochs and
// seeds may differ. Pure functions of the configs, with a torch-free header.
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

// What trials must share to fuse ("mlp layers=2 batch_size=128 optimizer=adam"), or nullopt
// for a config that runs alone (another model, batch norm, or a config that does not parse:
// it fails alone, with its own error).
std::optional<std::string> fuse_key(const Json& config);

// Groups of at most `largest` (indices into `configs`, each once, in the order the configs come;
// groups ordered by their first member). Configs with one key fill groups in order; the last
// group of a key may be smaller; a config without a key is a group of one.
std::vector<std::vector<size_t>> form_fused_groups(const std::vector<Json>& configs, int largest);

}  // namespace tune
