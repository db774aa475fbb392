#include "run/worker_env.h"

#include <torch/torch.h>

#ifdef TUNE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <optional>

#include "train/thread_tuner.h"

namespace tune {
namespace {

class TorchWorkerEnv : public WorkerEnv {
 public:
  TorchWorkerEnv(const std::string& device, int threads) {
    // With OpenMP the intra-op thread count is per calling thread, so each worker gets its
    // own share of the cores.
    if (threads > 0) torch::set_num_threads(threads);
    // One thread-count tuner for all the worker's trials (used when its count is not fixed).
    if (threads > 1 && torch::Device(device).is_cpu()) {
      tuner_.emplace(threads);
      tuner_scope_.emplace(*tuner_);
    }
#ifdef TUNE_WITH_CUDA
    torch::Device d(device);
    if (d.is_cuda()) {
      device_guard_.emplace(d.index());
      stream_guard_.emplace(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, d.index()));
    }
#else
    (void)device;
#endif
  }

 private:
  std::optional<ThreadTuner> tuner_;
  std::optional<ThreadTunerScope> tuner_scope_;
#ifdef TUNE_WITH_CUDA
  std::optional<c10::cuda::CUDAGuard> device_guard_;
  std::optional<c10::cuda::CUDAStreamGuard> stream_guard_;
#endif
};

}  // namespace

std::unique_ptr<WorkerEnv> enter_worker(const std::string& device, int threads) {
  return std::make_unique<TorchWorkerEnv>(device, threads);
}

void release_cached_memory(const std::string& device) {
#ifdef TUNE_WITH_CUDA
  if (torch::Device(device).is_cuda()) c10::cuda::CUDACachingAllocator::emptyCache();
#else
  (void)device;
#endif
}

bool built_with_cuda() {
#ifdef TUNE_WITH_CUDA
  return true;
#else
  return false;
#endif
}

}  // namespace tune
