#include "common/cpu.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace tune {
namespace {

int affinity_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int quota_cores() {
  std::string v2 = read_file("/sys/fs/cgroup/cpu.max");
  if (!v2.empty()) return cgroup_v2_cores(v2.c_str());
  long long quota = 0, period = 0;
  std::istringstream(read_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")) >> quota;
  std::istringstream(read_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us")) >> period;
  return cgroup_v1_cores(quota, period);
}

}  // namespace

int cgroup_v1_cores(long long quota_us, long long period_us) {
  if (quota_us <= 0 || period_us <= 0) return 0;
  return static_cast<int>((quota_us + period_us - 1) / period_us);
}

int cgroup_v2_cores(const char* cpu_max) {
  long long quota = 0, period = 0;
  if (std::sscanf(cpu_max, "%lld %lld", &quota, &period) != 2) return 0;  // "max ...": none
  return cgroup_v1_cores(quota, period);
}

int usable_cores() {
  int cores = affinity_cores();
  if (cores <= 0) cores = static_cast<int>(std::thread::hardware_concurrency());
  const int quota = quota_cores();
  if (quota > 0) cores = std::min(cores, quota);
  return std::max(1, cores);
}

namespace {
std::atomic<CpuKernels> g_cpu_kernels{CpuKernels::Tuned};
}  // namespace

void set_cpu_kernels(CpuKernels kernels) {
  g_cpu_kernels.store(kernels);
}

CpuKernels cpu_kernels() {
  return g_cpu_kernels.load();
}

}  // namespace tune
