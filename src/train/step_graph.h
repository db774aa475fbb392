#pragma once
// A training step replayed from a CUDA graph. The step must read and write only tensors that
// outlive it (static input buffers the caller copies each batch into, parameters, gradients,
// optimizer state, metric accumulators) and take every changing number from device tensors,
// never from host scalars: a replay repeats exactly the kernels recorded, on whatever those
// tensors hold then.
//
// Each run() is one step. The first `warmup` runs are eager, on a side stream (cuBLAS and the
// caching allocator settle there, gradients get their tensors); the next one captures the step
// on that stream and replays it; later ones replay it on the calling thread's current stream.
// Only one capture runs at a time in the process (a process-wide mutex: CUDA forbids some
// calls from other threads during a capture, and PyTorch's allocator routes the capturing
// stream's allocations to the graph's own pool); replays from several threads run at once,
// each on its own stream. Captures use CUDA's thread-local capture mode, so other threads
// training eagerly meanwhile are not disturbed.
//
// The generators named at construction (per-trial dropout generators) are registered with the
// graph: each replay draws fresh numbers from them and advances their offsets, so masks stay
// per trial and repeat for a seed (they differ from the eager run's masks, which draw at other
// offsets). If capture fails, the step runs eagerly from then on, after one line on stderr
// saying why. Without a CUDA LibTorch (step_graph_cpu.cpp) every run() is eager and
// cuda_graphs_unavailable() says why.
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tune {

class GraphedStep {
 public:
  // `name` says whose step it is in the log line of a failed capture ("trial seed 3").
  GraphedStep(std::function<void()> step, const c10::Device& device,
              std::vector<at::Generator> generators, std::string name, int warmup = 3);
  ~GraphedStep();
  GraphedStep(const GraphedStep&) = delete;
  GraphedStep& operator=(const GraphedStep&) = delete;

  // One step: eager while warming up or after a failed capture, else from the graph.
  void run();
  // Whether the step is captured (later runs replay it).
  bool captured() const;
  // Why the capture failed ("" while it has not).
  const std::string& failure() const { return failure_; }

 private:
  struct State;  // the graph and the side stream, made by the first run where CUDA exists
  void capture();

  std::function<void()> step_;
  c10::Device device_;
  std::vector<at::Generator> generators_;
  std::string name_;
  int warmup_, runs_ = 0;
  std::string failure_;
  // shared_ptr: its deleter is bound where State is complete (the twin .cpp), so the shared
  // constructor (step_graph.cpp) need not see State.
  std::shared_ptr<State> state_;
};

// "" where this build can capture CUDA graphs; else why not.
std::string cuda_graphs_unavailable();

}  // namespace tune
