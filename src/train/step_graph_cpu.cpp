// GraphedStep without a CUDA LibTorch (built only then; step_graph_cuda.cpp otherwise): every
// step runs eagerly.
#include "train/step_graph.h"

namespace tune {

struct GraphedStep::State {};

GraphedStep::GraphedStep(std::function<void()> step, const c10::Device& device,
                         std::vector<at::Generator> generators, std::string name, int warmup)
    : step_(std::move(step)),
      device_(device),
      generators_(std::move(generators)),
      name_(std::move(name)),
      warmup_(warmup),
      failure_(cuda_graphs_unavailable()),
      state_(std::make_unique<State>()) {}

GraphedStep::~GraphedStep() = default;

bool GraphedStep::captured() const {
  return false;
}

void GraphedStep::run() {
  step_();
}

void GraphedStep::capture() {}

std::string cuda_graphs_unavailable() {
  return "CUDA graphs unavailable: this build's LibTorch has no CUDA";
}

}  // namespace tune
