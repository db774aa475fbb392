#include "models/dense.h"

#include <gtest/gtest.h>

#include "common/cpu.h"
#include "models/builders.h"

namespace tune {
namespace {

// Restores the process-wide choice of CPU kernels a test changes.
struct CpuKernelsGuard {
  ~CpuKernelsGuard() { set_cpu_kernels(CpuKernels::Tuned); }
};

struct Grads {
  torch::Tensor y, dx, dw, db;
};

// y = f(x, w, b) and the gradients of sum(y * r) for a fixed random r.
template <typename F>
Grads forward_backward(F f, const torch::Tensor& x0, const torch::Tensor& w0,
                       const torch::Tensor& b0) {
  auto x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
  auto b = b0.defined() ? b0.clone().requires_grad_() : torch::Tensor();
  auto y = f(x, w, b);
  auto r = torch::randn(y.sizes(), torch::TensorOptions().dtype(y.dtype()));
  (y * r).sum().backward();
  return {y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : torch::Tensor()};
}

void expect_close(const Grads& a, const Grads& b) {
  EXPECT_TRUE(torch::allclose(a.y, b.y, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(a.dx, b.dx, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(a.dw, b.dw, 1e-5, 1e-4));
  ASSERT_EQ(a.db.defined(), b.db.defined());
  if (a.db.defined()) {
    EXPECT_TRUE(torch::allclose(a.db, b.db, 1e-5, 1e-5));
  }
}

TEST(Dense, OneDnnProductsAndGradientsMatchLinear) {
  if (!dense_uses_onednn()) GTEST_SKIP() << "this LibTorch has no oneDNN linear";
  torch::manual_seed(3);
  auto x = torch::randn({37, 50}), w = torch::randn({9, 50}), b = torch::randn({9});
  for (bool bias : {true, false}) {
    torch::Tensor bb = bias ? b : torch::Tensor();
    torch::manual_seed(4);
    Grads ours = forward_backward(dense_linear, x, w, bb);
    torch::manual_seed(4);
    Grads reference = forward_backward(
        [](auto x, auto w, auto b) { return torch::nn::functional::linear(x, w, b); }, x, w, bb);
    expect_close(ours, reference);
  }
  // The product is oneDNN's, not aten::linear's in disguise.
  auto y = dense_linear(x, w.clone().requires_grad_(), b);
  EXPECT_NE(y.grad_fn()->name().find("OneDnnLinear"), std::string::npos) << y.grad_fn()->name();
}

TEST(Dense, InputsOneDnnDoesNotTakeAndLibTorchKernelsUseLinearExactly) {
  CpuKernelsGuard guard;
  torch::manual_seed(5);
  auto linear = [](auto x, auto w, auto b) { return torch::nn::functional::linear(x, w, b); };
  // Double precision, and a batch of matrices: Linear's own forward, bit for bit.
  auto xd = torch::randn({6, 4, 8}, torch::kDouble), wd = torch::randn({3, 8}, torch::kDouble);
  auto bd = torch::randn({3}, torch::kDouble);
  EXPECT_TRUE(torch::equal(dense_linear(xd, wd, bd), linear(xd, wd, bd)));
  auto x3 = torch::randn({6, 4, 8}), w = torch::randn({3, 8}), b = torch::randn({3});
  EXPECT_TRUE(torch::equal(dense_linear(x3, w, b), linear(x3, w, b)));
  set_cpu_kernels(CpuKernels::LibTorch);
  EXPECT_FALSE(dense_uses_onednn());
  auto x = torch::randn({64, 300}), w2 = torch::randn({40, 300}), b2 = torch::randn({40});
  torch::manual_seed(6);
  Grads blas = forward_backward(dense_linear, x, w2, b2);
  torch::manual_seed(6);
  Grads reference = forward_backward(linear, x, w2, b2);
  EXPECT_TRUE(torch::equal(blas.y, reference.y));
  EXPECT_TRUE(torch::equal(blas.dw, reference.dw));
}

TEST(Dense, WithoutGradItIsTheSameProduct) {
  torch::manual_seed(7);
  auto x = torch::randn({20, 30}), w = torch::randn({5, 30}), b = torch::randn({5});
  torch::Tensor with_grad = dense_linear(x, w.clone().requires_grad_(), b).detach();
  torch::InferenceMode inference;
  EXPECT_TRUE(torch::allclose(dense_linear(x, w, b), with_grad, 1e-6, 1e-6));
}

TEST(Dense, BuildersUseItAndEverythingElseSeesALinear) {
  Hyperparameters hp({{"model", "mlp"}, {"layers", 2}, {"units", 16}}, "test");
  auto model = builtin_models().build(hp, {1, 28, 28}, 10);
  int dense = 0, linear = 0;
  for (const auto& m : model->modules(/*include_self=*/false)) {
    dense += m->as<DenseImpl>() != nullptr;
    linear += m->as<torch::nn::Linear>() != nullptr;
  }
  EXPECT_EQ(dense, 3);
  EXPECT_EQ(linear, 3);
  auto names = model->named_parameters().keys();
  EXPECT_EQ(names.front(), "1.weight");  // saved weights keep Linear's names
  // A training step through the model reaches every parameter.
  auto loss = model->forward(torch::rand({8, 1, 28, 28})).logsumexp(1).mean();
  loss.backward();
  for (const auto& p : model->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0);
  }
}

}  // namespace
}  // namespace tune
