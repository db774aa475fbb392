#pragma once
// Where trials run: a list of worker slots, each a device with a share of the CPU cores.
// `--gpus 0,1 --per-device 2` gives four slots (cuda:0, cuda:0, cuda:1, cuda:1);
// `--cpu-workers 2` two CPU slots splitting the cores between them.
#include <optional>
#include <string>
#include <vector>

#include "common/cpu.h"
#include "common/json.h"

namespace tune {

// The most trials at once on one GPU ("per_device", --per-device) and on the CPU
// ("cpu_workers", --cpu-workers); run_experiment also refuses more workers than the system
// lets this process start threads for.
inline constexpr int kMaxPerDevice = 256;
inline constexpr int kMaxCpuWorkers = 1024;
// "cpu_workers": "auto" (--cpu-workers auto): without GPUs, one worker per usable core, each
// with one intra-op thread (trials side by side use small models' cores better than intra-op
// threads do; Ray Tune runs one trial per core the same way); with GPUs, none.
inline constexpr int kAutoCpuWorkers = -1;
// The largest fused group ("fuse", --fuse): trials a worker trains as one batched model.
inline constexpr int kMaxFuse = 1024;
// Without "fuse", a GPU worker fuses up to 8 trials: small trials leave a GPU mostly idle
// (launch-bound), and 8 same-shape trials fill it several times better than 8 threads do,
// while a batch of 8 keeps a model-based strategy's pending points few and a 64-trial study
// still spread over several groups. On the CPU fusing measured 0.8-0.9x of trials run alone
// (the cores are already busy), so CPU workers fuse only when asked.
inline constexpr int kDefaultGpuFuse = 8;

struct Slot {
  int index = 0;               // 0..n-1, stable names for progress lines
  std::string device = "cpu";  // "cpu" or "cuda:N"
  int threads = 1;             // intra-op threads for this worker
  int fuse = 1;                // the largest fused group it trains
};

struct DeviceOptions {
  std::string gpus;    // "", "all", or a comma-separated list of indices ("0,1")
  int per_device = 1;  // concurrent trials per GPU
  // Concurrent trials on the CPU (0: one CPU worker when no GPU is named; kAutoCpuWorkers).
  int cpu_workers = 0;
  std::optional<int> fuse;  // the largest fused group; unset: kDefaultGpuFuse on GPUs, 1 on the CPU
  // Trials on a GPU replay their training step from a CUDA graph (train/step_graph.h);
  // ignored on the CPU.
  bool cuda_graphs = true;
  // Which kernels trials on the CPU train with (common/cpu.h): tune's own (the default) or
  // LibTorch's ("libtorch": its products, dropout sampling and optimizers, as PyTorch runs them).
  CpuKernels cpu_kernels = CpuKernels::Tuned;
  // Reads the experiment's "devices" section ({"gpus": "0,1" | [0,1] | "all", "per_device": 2,
  // "cpu_workers": 2 | "auto", "fuse": 8, "cuda_graphs": true, "cpu_kernels": "tuned"}); `where`
  // names it in errors.
  static DeviceOptions from_json(const Json& devices, const std::string& where);
};

// The value of --cpu-workers or "cpu_workers" ("auto", or an integer from 0 to kMaxCpuWorkers)
// as a worker count or kAutoCpuWorkers; otherwise throws ConfigError naming `field`.
int checked_cpu_workers(const Json& value, const std::string& field);

// `value` if it names CPU kernels ("tuned" or "libtorch"); otherwise throws ConfigError naming
// `flag` (the command line's --cpu-kernels) and the allowed values.
std::string checked_cpu_kernels(const std::string& value, const std::string& flag);

// Sets the CPU kernels (common/cpu.h) that a "devices" section asks for, for every trial this
// process trains from now on: studies, `tune train` and `tune best --test`'s retraining.
void use_cpu_kernels(const Json& devices, const std::string& where);

// The slots for `options` on a machine with `cuda_count` GPUs and `cpu_cores` cores. Throws
// ConfigError (before any trial starts) for a GPU that does not exist, `--gpus` without CUDA,
// or counts below 1.
std::vector<Slot> plan_slots(const DeviceOptions& options, int cuda_count, int cpu_cores);

// How many more threads the system lets this process start, as far as its limits say: the
// user's process limit (ulimit -u; root is exempt) and the cgroup's pids.max, less what is
// already running. INT_MAX when neither limits it. A rough figure: other processes of the
// same user count against ulimit -u too, so a thread can still be refused (run_study copes).
int thread_headroom();

}  // namespace tune
