#pragma once
// The per-worker environment a scheduler slot runs its trials in: its share of the CPU's
// intra-op threads and, on a GPU, a CUDA stream of its own so that several trials on one
// device overlap. Torch-free header: the CLI hands `enter_worker` to the scheduler.
#include <memory>
#include <string>

namespace tune {

class WorkerEnv {
 public:
  virtual ~WorkerEnv() = default;
};

// Call on the worker's own thread before its first trial; keep the handle alive for as long
// as the worker runs (it restores the thread's previous stream when destroyed).
std::unique_ptr<WorkerEnv> enter_worker(const std::string& device, int threads);

// Frees cached allocator blocks after a failed trial (a CUDA out-of-memory, say).
void release_cached_memory(const std::string& device);

// Whether this build can use CUDA (a CUDA LibTorch) at all.
bool built_with_cuda();

}  // namespace tune
