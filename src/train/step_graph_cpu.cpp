// GraphedStep without a CUDA LibTorch (built only then; step_graph_cuda.cpp otherwise): every
// step runs eagerly.
#include "train/step_graph.h"

namespace tune {

struct GraphedStep::State {};

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
