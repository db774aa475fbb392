#include "run/slots.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <optional>
#include <set>

#include "common/error.h"
#include "common/hparams.h"

namespace tune {
namespace {

std::vector<int> parse_gpu_list(const std::string& text, int cuda_count) {
  if (cuda_count == 0)
    throw ConfigError("--gpus " + text,
                      "no CUDA device is available on this machine (CPU-only LibTorch or no GPU); "
                      "use --cpu-workers N instead");
  std::vector<int> out;
  if (text == "all") {
    for (int i = 0; i < cuda_count; ++i) out.push_back(i);
    return out;
  }
  std::set<int> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 4)
      throw ConfigError(
          "--gpus " + text,
          "expected \"all\" or comma-separated GPU indices like 0,1; got \"" + item + "\"");
    int gpu = std::stoi(item);
    if (gpu >= cuda_count)
      throw ConfigError("--gpus " + text, "GPU " + item + " does not exist; this machine has " +
                                              std::to_string(cuda_count) + " (0.." +
                                              std::to_string(cuda_count - 1) + ")");
    if (seen.insert(gpu).second) out.push_back(gpu);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The first number in `path` ("max" or unreadable: none).
std::optional<long long> read_number(const std::string& path) {
  std::ifstream in(path);
  long long n = 0;
  if (in >> n) return n;
  return std::nullopt;
}

// "Threads:" of /proc/self/status: this process's threads now.
long long own_threads() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stoll(line.substr(8));
  return 1;
}

// This process's cgroup (v2) directory, e.g. /sys/fs/cgroup/user.slice/....
std::string cgroup_dir() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return "/sys/fs/cgroup" + line.substr(3);
  return "/sys/fs/cgroup";
}

}  // namespace

int thread_headroom() {
  long long headroom = INT_MAX;
  rlimit nproc{};
  if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY)
    headroom =
        std::min<long long>(headroom, static_cast<long long>(nproc.rlim_cur) - own_threads());
  const std::string cgroup = cgroup_dir();
  auto max = read_number(cgroup + "/pids.max"), current = read_number(cgroup + "/pids.current");
  if (max && current) headroom = std::min(headroom, *max - *current);
  return static_cast<int>(std::max(0LL, headroom));
}

// The values of devices.cpu_kernels and --cpu-kernels, the default first.
const std::vector<std::string> kCpuKernelNames = {"tuned", "libtorch"};

DeviceOptions DeviceOptions::from_json(const Json& devices, const std::string& where) {
  DeviceOptions out;
  if (devices.is_null()) return out;
  if (!devices.is_object()) throw ConfigError(where, "expected an object");
  check_keys(devices, {"gpus", "per_device", "cpu_workers", "fuse", "cuda_graphs", "cpu_kernels"},
             where);
  if (devices.contains("gpus")) {
    const Json& g = devices.at("gpus");
    if (g.is_string()) {
      out.gpus = g.get<std::string>();
    } else if (g.is_array()) {
      for (const auto& i : g) {
        if (!i.is_number_integer() || i.get<int>() < 0)
          throw ConfigError(where + ".gpus", "expected GPU indices, got " + g.dump());
        out.gpus += (out.gpus.empty() ? "" : ",") + std::to_string(i.get<int>());
      }
    } else if (!g.is_null()) {
      throw ConfigError(where + ".gpus", "expected \"all\", \"0,1\" or [0, 1], got " + g.dump());
    }
  }
  Hyperparameters hp(devices, where);
  out.per_device = static_cast<int>(hp.integer("per_device", 1, 1, kMaxPerDevice));
  if (devices.contains("cpu_workers"))
    out.cpu_workers = checked_cpu_workers(devices.at("cpu_workers"), where + ".cpu_workers");
  if (devices.contains("fuse")) out.fuse = static_cast<int>(hp.integer("fuse", 1, 1, kMaxFuse));
  out.cuda_graphs = hp.boolean("cuda_graphs", out.cuda_graphs);
  out.cpu_kernels = hp.choice("cpu_kernels", kCpuKernelNames[0], kCpuKernelNames) == "libtorch"
                        ? CpuKernels::LibTorch
                        : CpuKernels::Tuned;
  return out;
}

int checked_cpu_workers(const Json& value, const std::string& field) {
  if (value.is_string() && value.get<std::string>() == "auto") return kAutoCpuWorkers;
  if (value.is_number_integer() && value.get<long long>() >= 0 &&
      value.get<long long>() <= kMaxCpuWorkers)
    return value.get<int>();
  throw ConfigError(field, "expected an integer from 0 to " + std::to_string(kMaxCpuWorkers) +
                               " or \"auto\", got " + describe(value));
}

std::string checked_cpu_kernels(const std::string& value, const std::string& flag) {
  if (std::find(kCpuKernelNames.begin(), kCpuKernelNames.end(), value) == kCpuKernelNames.end())
    throw ConfigError(flag, "expected one of " + kCpuKernelNames[0] + ", " + kCpuKernelNames[1] +
                                ", got \"" + value + "\"");
  return value;
}

void use_cpu_kernels(const Json& devices, const std::string& where) {
  set_cpu_kernels(DeviceOptions::from_json(devices, where).cpu_kernels);
}

std::vector<Slot> plan_slots(const DeviceOptions& options, int cuda_count, int cpu_cores) {
  if (options.per_device < 1)
    throw ConfigError("--per-device",
                      "must be at least 1, got " + std::to_string(options.per_device));
  if (options.fuse && (*options.fuse < 1 || *options.fuse > kMaxFuse))
    throw ConfigError("--fuse", "must be in [1, " + std::to_string(kMaxFuse) + "], got " +
                                    std::to_string(*options.fuse));
  if (options.cpu_workers < 0 && options.cpu_workers != kAutoCpuWorkers)
    throw ConfigError("--cpu-workers",
                      "must be at least 0, got " + std::to_string(options.cpu_workers));
  std::vector<Slot> slots;
  if (!options.gpus.empty()) {
    for (int gpu : parse_gpu_list(options.gpus, cuda_count))
      for (int k = 0; k < options.per_device; ++k)
        slots.push_back(
            {0, "cuda:" + std::to_string(gpu), 1, options.fuse.value_or(kDefaultGpuFuse)});
  }
  int cores = std::max(1, cpu_cores);
  int cpu_workers = options.cpu_workers;
  if (cpu_workers == kAutoCpuWorkers) cpu_workers = slots.empty() ? cores : 0;
  if (slots.empty() && cpu_workers == 0) cpu_workers = 1;
  for (int k = 0; k < cpu_workers; ++k) {
    // Split the cores evenly; the first workers take the remainder.
    int threads = std::max(1, cores / cpu_workers + (k < cores % cpu_workers ? 1 : 0));
    slots.push_back({0, "cpu", threads, options.fuse.value_or(1)});
  }
  for (size_t i = 0; i < slots.size(); ++i) slots[i].index = static_cast<int>(i);
  return slots;
}

}  // namespace tune
