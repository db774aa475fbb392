#include "train/device.h"

#include <torch/torch.h>

#include "common/error.h"

namespace tune {

int cuda_device_count() {
  return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}

std::string check_device(const std::string& name, const std::string& where) {
  if (name == "cpu") return name;
  std::string index = "0";
  if (name.rfind("cuda:", 0) == 0) {
    index = name.substr(5);
  } else if (name != "cuda") {
    throw ConfigError(where, "unknown device \"" + name + "\"; allowed: cpu, cuda, cuda:N");
  }
  if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError(where, "unknown device \"" + name + "\"; allowed: cpu, cuda, cuda:N");
  // Checked by length before converting: no machine has a billion GPUs, and stoi would throw
  // a bare "stoi" on overflow.
  if (index.size() > 9)
    throw ConfigError(where, "device index " + index + " in \"" + name +
                                 "\" is out of range; allowed: cpu, cuda, cuda:N with N a "
                                 "CUDA device number");
  int count = cuda_device_count();
  int n = std::stoi(index);
  if (count == 0)
    throw ConfigError(where, "device \"" + name + "\" requested but CUDA is not available here");
  if (n >= count)
    throw ConfigError(where, "device \"" + name + "\" does not exist; this machine has " +
                                 std::to_string(count) + " CUDA device(s): cuda:0.." +
                                 "cuda:" + std::to_string(count - 1));
  return "cuda:" + index;
}

}  // namespace tune
