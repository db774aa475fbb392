// A fused group on CUDA computes, trial by trial, what each trial computes alone on CUDA: the
// CPU tests of tests/train/fused_test.cpp on the GPU. Skips itself without a CUDA device.
#include <gtest/gtest.h>

#include "data/load.h"

#include "../support/fused.h"

namespace tune {
namespace {

using testing::expect_same_curve;

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

// cuDNN picks other algorithms for a grouped convolution than for each trial's own, and may
// compute them in TF32: full float precision and deterministic algorithms keep both sides
// comparable.
struct FullPrecisionCudnn {
  bool tf32 = at::globalContext().allowTF32CuDNN();
  bool deterministic = at::globalContext().deterministicCuDNN();
  FullPrecisionCudnn() {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setDeterministicCuDNN(true);
  }
  ~FullPrecisionCudnn() {
    at::globalContext().setAllowTF32CuDNN(tf32);
    at::globalContext().setDeterministicCuDNN(deterministic);
  }
};

void expect_fused_equals_alone(const std::vector<Json>& group, const Json& data_section,
                               const InputShape& shape, const std::string& what) {
  const torch::Device cuda("cuda:0");
  FullPrecisionCudnn precision;
  Dataset data = load_dataset(data_section, "data").to(cuda);
  std::vector<TrainResult> together = testing::fused(group, shape, cuda).fit(data);
  ASSERT_EQ(together.size(), group.size());
  double worst = 0;
  for (size_t k = 0; k < group.size(); ++k) {
    TrainResult alone =
        testing::make_trainer(group[k], shape, testing::kSmallClasses, cuda).fit(data);
    worst = std::max(
        worst, expect_same_curve(together[k], alone, 1e-4, what + " trial " + std::to_string(k)));
  }
  std::cout << what << " on CUDA: largest relative gap fused vs alone " << worst << "\n";
}

TEST(GpuFused, MlpEqualsAloneForEachOptimizer) {
  SKIP_WITHOUT_CUDA();
  for (const std::string optimizer : {"sgd", "adam", "adamw", "rmsprop"})
    expect_fused_equals_alone(testing::mixed_group(optimizer), testing::kSmallData,
                              testing::kSmallShape, "mlp " + optimizer);
}

TEST(GpuFused, CnnEqualsAloneWithAndWithoutBatchNorm) {
  SKIP_WITHOUT_CUDA();
  for (const std::string optimizer : {"sgd", "adam"})
    for (bool batch_norm : {false, true})
      expect_fused_equals_alone(testing::cnn_group(batch_norm, optimizer), testing::kSmallImages,
                                testing::kSmallImageShape,
                                "cnn " + optimizer + (batch_norm ? " with batch norm" : ""));
}

}  // namespace
}  // namespace tune
