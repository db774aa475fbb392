// GraphedStep with a CUDA LibTorch (built only then; step_graph_cpu.cpp otherwise).
#include <ATen/cuda/CUDAGraph.h>
#include <c10/core/Event.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <iostream>
#include <mutex>
#include <optional>

#include "train/step_graph.h"

namespace tune {
namespace {

// The one process-wide capture lock the contract asks for (see the header).
std::mutex& capture_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

struct GraphedStep::State {
  std::optional<c10::cuda::CUDAStream> side;  // warm-up and capture
  std::unique_ptr<at::cuda::CUDAGraph> graph;
};

GraphedStep::~GraphedStep() = default;

bool GraphedStep::captured() const {
  return state_ && state_->graph;
}

void GraphedStep::run() {
  if (!state_) state_ = std::make_shared<State>();
  if (state_->graph) {
    state_->graph->replay();
    return;
  }
  if (!failure_.empty() || !device_.is_cuda()) {
    step_();
    return;
  }
  c10::cuda::CUDAGuard device_guard(device_.index());
  const c10::cuda::CUDAStream current = c10::cuda::getCurrentCUDAStream(device_.index());
  if (!state_->side) state_->side = c10::cuda::getStreamFromPool(false, device_.index());
  // The side stream sees what the current one wrote (this batch), and the current one waits
  // for the step before going on.
  c10::Event inputs_ready(c10::DeviceType::CUDA);
  inputs_ready.record(current);
  inputs_ready.block(*state_->side);
  try {
    c10::cuda::CUDAStreamGuard on_side(*state_->side);
    if (runs_++ < warmup_) {
      step_();
    } else {
      capture();
      state_->graph->replay();
    }
  } catch (const std::exception& e) {
    if (runs_ <= warmup_) throw;  // an eager step's own error, not the capture's
    failure_ = first_line(e.what());
    state_->graph.reset();
  }
  c10::Event step_done(c10::DeviceType::CUDA);
  step_done.record(*state_->side);
  step_done.block(current);
  if (!failure_.empty()) {
    std::cerr << "tune: " << name_ << ": CUDA graph capture failed (" << failure_
              << "); training on without graphs\n";
    step_();  // this batch's step, eagerly, on the current stream
  }
}

void GraphedStep::capture() {
  std::lock_guard<std::mutex> lock(capture_mutex());
  auto graph = std::make_unique<at::cuda::CUDAGraph>();
  for (const auto& generator : generators_)
    if (generator.defined()) graph->register_generator_state(generator);
  // A pool of our own, so that a failed capture can hand it back (below).
  const auto pool = at::cuda::graph_pool_handle();
  graph->capture_begin(pool, cudaStreamCaptureModeThreadLocal);
  try {
    step_();
  } catch (...) {
    // End the broken capture so that the stream can be used again. capture_end throws for an
    // invalidated capture before it tells the allocator that the capture is over, which would
    // leave every later allocation in the process checking for one: tell it here.
    bool ended = false;
    try {
      graph->capture_end();
      ended = true;
    } catch (...) {
    }
    if (!ended) {
      c10::cuda::CUDACachingAllocator::endAllocateToPool(device_.index(), pool);
      c10::cuda::CUDACachingAllocator::releasePool(device_.index(), pool);
    }
    throw;  // the step's own error, reported by run()
  }
  graph->capture_end();
  state_->graph = std::move(graph);
}

std::string cuda_graphs_unavailable() {
  return "";
}

}  // namespace tune
