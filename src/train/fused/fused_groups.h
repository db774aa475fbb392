#pragma once
// Which trials of a batch can train as one fused group (FusedTrainer), as make_fused_trainer
// requires: trials of one model kind with the same batch size and optimizer; mlp trials with the
// same number of layers and no batch norm; cnn trials with the same blocks, kernel size,
// pooling, batch norm and a dense layer or none. Widths and filters, activations, dropout,
// learning rates and other optimizer knobs, epochs and seeds may differ. Pure functions of the
// configs and the examples' shape, with a torch-free header.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"

namespace tune {

// What trials must share to fuse ("mlp layers=2 batch_size=128 optimizer=adam"), or nullopt
// for a config that runs alone (another model, mlp batch norm, a cnn without a dense layer but
// with dropout, a stretch of population-based training, or a config that does not parse for
// `input_shape`: it fails alone, with its own error).
std::optional<std::string> fuse_key(const Json& config, const std::vector<int64_t>& input_shape);

// Groups of at most `largest` (indices into `configs`, each once, in the order the configs come;
// groups ordered by their first member). Configs with one key fill groups in order; the last
// group of a key may be smaller; a config without a key is a group of one.
std::vector<std::vector<size_t>> form_fused_groups(const std::vector<Json>& configs, int largest,
                                                   const std::vector<int64_t>& input_shape);

}  // namespace tune
