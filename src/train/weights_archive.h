#pragma once
// Writing a trained model's weights as the archive train/weights.h reads (LibTorch side).
#include <torch/torch.h>

#include <string>

#include "common/json.h"

namespace tune {

// Saves `model`'s parameters and buffers with `trial` and `config` to `path` through a
// temporary file and a rename (study/best_file.h), so that `path` is never half-written.
// Throws std::runtime_error (or c10::Error) when it cannot be written.
void save_weights(torch::nn::Module& model, int trial, const Config& config,
                  const std::string& path);

// Whether a trial that ended for `stop_reason` keeps its weights: not when the study stopped
// it (pruned, interrupted) or it diverged.
bool keeps_weights(const std::string& stop_reason);

}  // namespace tune
