// The models in these tests are tiny: one intra-op thread is as fast, and it keeps the timings
// steady on a machine whose cores are busy with other work.
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

class SingleThread : public ::testing::Environment {
 public:
  void SetUp() override { torch::set_num_threads(1); }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SingleThread);

}  // namespace
