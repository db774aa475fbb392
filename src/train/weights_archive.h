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

// The same archive with `optimizer`'s state beside the weights: a checkpoint that training can
// go on from (population-based training, strategy/pbt.h). Readers of weights read it as such.
void save_checkpoint(torch::nn::Module& model, const torch::optim::Optimizer& optimizer, int trial,
                     const Config& config, const std::string& path);
// Loads a checkpoint of save_checkpoint onto `device` into `model` and `optimizer`, built from
// the config training goes on with (the checkpoint's shapes and optimizer). The optimizer keeps
// its own options (that config's lr, momentum...) and takes the saved per-parameter state (step
// counts, moments). Throws std::runtime_error naming `path` when it is missing or does not fit.
void load_checkpoint(const std::string& path, const torch::Device& device, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer);

// Whether a trial that ended for `stop_reason` keeps its weights: not when the study stopped
// it (pruned, interrupted) or it diverged.
bool keeps_weights(const std::string& stop_reason);

}  // namespace tune
