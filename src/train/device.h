#pragma once
// Device names as users write them ("cpu", "cuda", "cuda:1") checked against this machine.
// Torch-free header so the CLI and scheduler can use it.
#include <string>

namespace tune {

// Number of CUDA devices LibTorch can use here (0 on a CPU build or a machine without GPUs).
int cuda_device_count();

// Returns the canonical name ("cpu", "cuda:N") or throws ConfigError naming `where` when the
// string is malformed or the device does not exist on this machine.
std::string check_device(const std::string& name, const std::string& where);

}  // namespace tune
