// What both builds of GraphedStep share (step_graph_cuda.cpp and step_graph_cpu.cpp hold the
// rest).
#include "train/step_graph.h"

namespace tune {

GraphedStep::GraphedStep(std::function<void()> step, const c10::Device& device,
                         std::vector<at::Generator> generators, std::string name, int warmup)
    : step_(std::move(step)),
      device_(device),
      generators_(std::move(generators)),
      name_(std::move(name)),
      warmup_(warmup),
      failure_(cuda_graphs_unavailable()) {}

}  // namespace tune
