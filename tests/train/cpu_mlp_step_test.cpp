#include "train/cpu_mlp_step.h"

#include <gtest/gtest.h>

#include "common/cpu.h"
#include "models/builders.h"
#include "train/generators.h"
#include "train/trainer.h"

namespace tune {
namespace {

namespace nn = torch::nn;

nn::Sequential mlp(const Json& config, const std::vector<int64_t>& input_shape = {1, 6, 5}) {
  Hyperparameters hp(config, "cfg");
  auto model = builtin_models().build(hp, input_shape, 7);
  initialize_parameters(*model, 3);
  return model;
}

// Each dropout layer's generator seeded as the trainer seeds them.
void seed_dropout(nn::Sequential& model, uint64_t seed) {
  uint64_t layer = 0;
  for (const auto& module : model->modules(/*include_self=*/false))
    if (auto* dropout = module->as<SeededDropout>())
      dropout->set_generator(trial_generator(torch::kCPU, dropout_seed(seed, ++layer)));
}

struct Batch {
  torch::Tensor x, y;
};
Batch batch(int64_t n) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(41);
  return {torch::randn({n, 1, 6, 5}, gen), torch::randint(0, 7, {n}, gen)};
}

// The loss sum, hits and gradients of one step through autograd and the modules.
RowsLoss autograd_step(nn::Sequential& model, const Batch& b) {
  model->train();
  auto logits = model->forward(b.x);
  auto loss = nn::functional::cross_entropy(
      logits, b.y, nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  (loss / b.x.size(0)).backward();
  return {loss.item<double>(), logits.argmax(1).eq(b.y).sum().item<int64_t>()};
}

TEST(CpuMlpStep, EqualsAutogradForEveryActivationWithDropout) {
  for (const std::string& activation : activation_names()) {
    const Json config = {{"model", "mlp"},
                         {"layers", 3},
                         {"units", 9},
                         {"units_1", 4},
                         {"dropout", 0.3},
                         {"dropout_2", 0.0},
                         {"activation", activation}};
    auto ours = mlp(config), theirs = mlp(config);
    seed_dropout(ours, 8);
    seed_dropout(theirs, 8);
    auto step = CpuMlpStep::make(ours);
    ASSERT_NE(step, nullptr) << activation;
    const Batch b = batch(33);
    ours->train();
    for (int repeat = 0; repeat < 2; ++repeat) {  // the second step draws new masks
      for (auto& p : ours->parameters()) p.mutable_grad() = torch::Tensor();
      for (auto& p : theirs->parameters()) p.mutable_grad() = torch::Tensor();
      const RowsLoss a = step->run(b.x, b.y);
      const RowsLoss e = autograd_step(theirs, b);
      EXPECT_NEAR(a.sum, e.sum, 1e-4 * std::abs(e.sum)) << activation;
      EXPECT_EQ(a.correct, e.correct) << activation;
      const auto pa = ours->parameters(), pe = theirs->parameters();
      ASSERT_EQ(pa.size(), 8u);
      for (size_t i = 0; i < pa.size(); ++i) {
        ASSERT_TRUE(pa[i].grad().defined()) << activation << " parameter " << i;
        EXPECT_TRUE(torch::allclose(pa[i].grad(), pe[i].grad(), 1e-4, 1e-6))
            << activation << " parameter " << i << " differs by "
            << (pa[i].grad() - pe[i].grad()).abs().max().item<float>();
      }
    }
  }
}

TEST(CpuMlpStep, OnlyForTheMlpsItComputesAsLibTorchDoes) {
  auto linear = mlp({{"model", "mlp"}, {"layers", 0}});
  EXPECT_NE(CpuMlpStep::make(linear), nullptr) << "a linear classifier";
  auto batch_norm = mlp({{"model", "mlp"}, {"batch_norm", true}});
  EXPECT_EQ(CpuMlpStep::make(batch_norm), nullptr);
  auto cnn = mlp({{"model", "cnn"}, {"blocks", 1}, {"filters", 2}}, {1, 8, 8});
  EXPECT_EQ(CpuMlpStep::make(cnn), nullptr);
  auto doubles = mlp({{"model", "mlp"}});
  doubles->to(torch::kDouble);
  EXPECT_EQ(CpuMlpStep::make(doubles), nullptr);
  // By hand: GELU's tanh approximation, which the loops do not compute; no output layer.
  nn::Sequential approximate(nn::Flatten(), nn::Linear(30, 4),
                             nn::GELU(nn::GELUOptions().approximate("tanh")), nn::Linear(4, 7));
  EXPECT_EQ(CpuMlpStep::make(approximate), nullptr);
  nn::Sequential exact(nn::Flatten(), nn::Linear(30, 4), nn::GELU(), nn::Linear(4, 7));
  EXPECT_NE(CpuMlpStep::make(exact), nullptr);
  nn::Sequential headless(nn::Flatten(), nn::Linear(30, 4), nn::ReLU());
  EXPECT_EQ(CpuMlpStep::make(headless), nullptr);
  auto plain = mlp({{"model", "mlp"}});
  set_cpu_kernels(CpuKernels::LibTorch);
  EXPECT_EQ(CpuMlpStep::make(plain), nullptr);
  set_cpu_kernels(CpuKernels::Tuned);
  EXPECT_NE(CpuMlpStep::make(plain), nullptr);
}

}  // namespace
}  // namespace tune
