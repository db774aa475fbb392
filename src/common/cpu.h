#pragma once
// How many CPU cores this process may really use: the CPUs its affinity mask allows, capped by
// a cgroup CPU quota (containers and CI runners often get fewer cores than the machine has;
// std::thread::hardware_concurrency reports the machine's). At least 1.
namespace tune {

int usable_cores();

// The parts, for tests: the cgroup v2 "cpu.max" text ("max 100000", "150000 100000") or the
// v1 quota and period in microseconds, as a number of cores rounded up; 0 when unlimited.
int cgroup_v2_cores(const char* cpu_max);
int cgroup_v1_cores(long long quota_us, long long period_us);

// Which kernels a trial on the CPU trains with where tune has faster ones than LibTorch's
// defaults: Tuned (the default) makes dense layers' products with oneDNN (models/dense.h),
// dropout masks with a vectorised hash (models/dropout.h) and optimizer steps in one call per
// parameter (train/cpu_optimizer.h); LibTorch uses aten::linear, bernoulli_ and torch::optim. Process-wide,
// for benchmarks that compare the two in one run and for tests that compare a fused group with
// its trials alone in the arithmetic the group uses.
enum class CpuKernels { Tuned, LibTorch };
void set_cpu_kernels(CpuKernels kernels);
CpuKernels cpu_kernels();

}  // namespace tune
