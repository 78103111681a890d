// Autograd core: accumulation, retain_graph, no_grad, detach, hooks,
// autograd::grad, create_graph, and the errors of misuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops.h"

namespace gan {
namespace {

using ::testing::HasSubstr;

Tensor leaf(const Shape& s, std::vector<double> v) {
  Tensor t = Tensor::from_data(s, v, {DType::f64});
  t.requires_grad_();
  return t;
}

TEST(Autograd, ChainRuleAndAccumulation) {
  Tensor x = leaf({3}, {1, 2, 3});
  Tensor y = ops::sum(x * x * 3.0);  // dy/dx = 6x
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6, 12, 18}));
  // A second graph accumulates into .grad (+= semantics).
  ops::sum(x).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{7, 13, 19}));
  x.set_grad({});
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SharedSubexpressionSumsBothPaths) {
  Tensor x = leaf({2}, {2, -1});
  Tensor a = ops::exp(x);
  Tensor y = ops::sum(a * a + a);  // d/dx = 2e^{2x} + e^x
  y.backward();
  const auto g = x.grad().to_vector<double>();
  EXPECT_NEAR(g[0], 2 * std::exp(4.0) + std::exp(2.0), 1e-9);
  EXPECT_NEAR(g[1], 2 * std::exp(-2.0) + std::exp(-1.0), 1e-12);
}

TEST(Autograd, SecondBackwardWithoutRetainGraphIsAnError) {
  Tensor x = leaf({2}, {1, 2});
  Tensor y = ops::sum(ops::tanh(x));
  y.backward();
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("second time"));
  }
  Tensor z = ops::sum(ops::tanh(x));
  z.backward({}, /*retain_graph=*/true);
  z.backward();
  EXPECT_EQ(x.grad().numel(), 2);
}

TEST(Autograd, NoGradAndDetachRecordNothing) {
  Tensor x = leaf({2}, {1, 2});
  {
    NoGradGuard ng;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
  }
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.raw_data(), x.raw_data());  // shares storage
  Tensor y = ops::sum(x * d);              // d is a constant
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2}));
}

TEST(Autograd, NonScalarRootNeedsGradient) {
  Tensor x = leaf({2}, {1, 2});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), Error);
  y.backward(Tensor::from_data({2}, std::vector<double>{1, 10}, {DType::f64}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 20}));
}

TEST(Autograd, GradReturnsWithoutTouchingDotGrad) {
  Tensor x = leaf({2}, {1, 2});
  Tensor w = leaf({2}, {3, 4});
  Tensor y = ops::sum(x * w);
  auto g = autograd::grad({y}, {x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{3, 4}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
}

TEST(Autograd, GradOfUnusedInputIsAnErrorUnlessAllowed) {
  Tensor x = leaf({2}, {1, 2});
  Tensor u = leaf({2}, {1, 2});
  Tensor y = ops::sum(x * x);
  EXPECT_THROW(autograd::grad({y}, {u}, {}, {.create_graph = false, .retain_graph = 1}), Error);
  autograd::GradOptions go;
  go.allow_unused = true;
  auto g = autograd::grad({y}, {x, u}, {}, go);
  EXPECT_TRUE(g[0].defined());
  EXPECT_FALSE(g[1].defined());
}

TEST(Autograd, CreateGraphGivesSecondDerivative) {
  Tensor x = leaf({1}, {0.7});
  Tensor y = ops::sum(ops::pow(x, 3.0));  // y' = 3x^2, y'' = 6x
  autograd::GradOptions go;
  go.create_graph = true;
  Tensor g = autograd::grad({y}, {x}, {}, go)[0];
  EXPECT_TRUE(g.requires_grad());
  EXPECT_NEAR(g.item(), 3 * 0.49, 1e-12);
  Tensor gg = autograd::grad({ops::sum(g)}, {x})[0];
  EXPECT_NEAR(gg.item(), 6 * 0.7, 1e-12);
}

TEST(Autograd, GradientOfInteriorTensor) {
  Tensor x = leaf({2}, {1, 2});
  Tensor h = x * 3.0;
  Tensor y = ops::sum(h * h);
  auto g = autograd::grad({y}, {h});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{6, 12}));
}

TEST(Autograd, HooksSeeAndReplaceGradients) {
  Tensor x = leaf({2}, {1, 2});
  double seen = 0;
  x.register_hook([&](const Tensor& g) {
    seen = ops::sum(g).item();
    return g * 0.5;
  });
  ops::sum(x * 4.0).backward();
  EXPECT_DOUBLE_EQ(seen, 8.0);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2}));
}

TEST(Autograd, ViewsShareStorageAndPropagate) {
  Tensor x = leaf({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = x.reshape({3, 2});
  EXPECT_EQ(r.raw_data(), x.raw_data());
  Tensor n = x.narrow0(1, 1);  // second row
  EXPECT_EQ(n.to_vector<double>(), (std::vector<double>{4, 5, 6}));
  ops::sum(n * 2.0).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0, 0, 2, 2, 2}));
}

TEST(Autograd, ShapeMismatchNamesOpAndBothShapes) {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({4, 3});
  try {
    ops::add(a, b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("add"));
    EXPECT_THAT(e.what(), HasSubstr("[2, 3]"));
    EXPECT_THAT(e.what(), HasSubstr("[4, 3]"));
  }
}

TEST(Autograd, DtypeMismatchIsAnError) {
  Tensor a = Tensor::zeros({2}, {DType::f32});
  Tensor b = Tensor::zeros({2}, {DType::f64});
  try {
    ops::mul(a, b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("mul"));
    EXPECT_THAT(e.what(), HasSubstr("f32"));
    EXPECT_THAT(e.what(), HasSubstr("f64"));
  }
}

TEST(Autograd, DeviceThatThisBuildLacksIsAnError) {
  if (cuda::available()) GTEST_SKIP() << "this build has a CUDA device (" << cuda::backend_name() << ")";
  Tensor a = Tensor::zeros({2});
  try {
    a.to(Device::cuda(0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cuda:0"));
  }
}

}  // namespace
}  // namespace gan
