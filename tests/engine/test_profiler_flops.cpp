// The profiler's FLOP counts (gan/profiler.h): conv2d, its two gradients (and
// so the transposed conv), matmul and the fused attention each count 2 x their
// multiply-adds from their shapes, counted once per kernel call; nothing is
// counted while the profiler is off. Shapes are odd on purpose (no tile sizes).
#include <gtest/gtest.h>

#include <map>

#include "gan/ops.h"
#include "gan/ops/attention.h"
#include "gan/profiler.h"

namespace gan {
namespace {

std::map<std::string, profiler::OpStats> by_op() {
  std::map<std::string, profiler::OpStats> m;
  for (const auto& s : profiler::snapshot()) m[s.op] = s;
  return m;
}

// Enables the profiler for one test and leaves it off and empty after.
struct ProfilerOn {
  ProfilerOn() {
    profiler::reset();
    profiler::enable(true);
  }
  ~ProfilerOn() {
    profiler::enable(false);
    profiler::reset();
  }
};

TEST(ProfilerFlops, ConvAndBothGradientsCountTwiceTheirMultiplyAdds) {
  Generator g(1);
  // x [3, 5, 9, 7], w [6, 5, 3, 3], stride 2, padding 1: y [3, 6, 5, 4].
  Tensor x = Tensor::randn({3, 5, 9, 7}, g).requires_grad_();
  Tensor w = Tensor::randn({6, 5, 3, 3}, g).requires_grad_();
  ProfilerOn on;
  ops::Conv2dOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1};
  const Tensor y = ops::conv2d(x, w, {}, o);
  ASSERT_EQ(y.shape(), (Shape{3, 6, 5, 4}));
  ops::sum(y).backward();
  const double want = 2.0 * (3 * 6 * 5 * 4) * (5 * 3 * 3);
  auto m = by_op();
  EXPECT_EQ(m["conv2d"].calls, 1);
  EXPECT_DOUBLE_EQ(m["conv2d"].flops, want);
  EXPECT_DOUBLE_EQ(m["conv2d_input_grad"].flops, want);
  EXPECT_DOUBLE_EQ(m["conv2d_weight_grad"].flops, want);
  EXPECT_DOUBLE_EQ(profiler::total_flops(), 3 * want);
}

TEST(ProfilerFlops, GroupedAndTransposedConvsCountTheirEquivalentConv) {
  Generator g(2);
  // Transposed: x [2, 4, 5, 5], w [4, 3, 4, 4], stride 2, padding 1 -> [2, 3, 10, 10]; its
  // equivalent conv maps [2, 3, 10, 10] to [2, 4, 5, 5] with a 4x4 kernel.
  const Tensor x = Tensor::randn({2, 4, 5, 5}, g);
  const Tensor w = Tensor::randn({4, 3, 4, 4}, g);
  // Grouped: x [2, 6, 7, 7], w [4, 3, 3, 3], 2 groups -> [2, 4, 5, 5].
  const Tensor xg = Tensor::randn({2, 6, 7, 7}, g);
  const Tensor wg = Tensor::randn({4, 3, 3, 3}, g);
  ProfilerOn on;
  ops::ConvTranspose2dOptions t;
  t.stride = {2, 2};
  t.padding = {1, 1};
  ASSERT_EQ(ops::conv_transpose2d(x, w, {}, t).shape(), (Shape{2, 3, 10, 10}));
  EXPECT_DOUBLE_EQ(profiler::total_flops(), 2.0 * (2 * 4 * 5 * 5) * (3 * 4 * 4));
  profiler::reset();
  ops::Conv2dOptions o;
  o.groups = 2;
  ASSERT_EQ(ops::conv2d(xg, wg, {}, o).shape(), (Shape{2, 4, 5, 5}));
  EXPECT_DOUBLE_EQ(profiler::total_flops(), 2.0 * (2 * 4 * 5 * 5) * (3 * 3 * 3));
}

TEST(ProfilerFlops, MatmulCountsBatchTimesTwoMnk) {
  Generator g(3);
  const Tensor a = Tensor::randn({7, 5, 3}, g);
  const Tensor b = Tensor::randn({7, 3, 11}, g);
  ProfilerOn on;
  ASSERT_EQ(ops::matmul(a, b).shape(), (Shape{7, 5, 11}));
  EXPECT_DOUBLE_EQ(by_op()["matmul"].flops, 2.0 * 7 * 5 * 11 * 3);
}

TEST(ProfilerFlops, AttentionCountsBothProductsForwardAndFiveBackward) {
  Generator g(4);
  // q [2, 9, 3], k [2, 13, 3], v [2, 13, 5].
  Tensor q = Tensor::randn({2, 9, 3}, g).requires_grad_();
  Tensor k = Tensor::randn({2, 13, 3}, g).requires_grad_();
  Tensor v = Tensor::randn({2, 13, 5}, g).requires_grad_();
  ProfilerOn on;
  ops::sum(ops::attention(q, k, v)).backward();
  const double bnm = 2.0 * 2 * 9 * 13;
  auto m = by_op();
  EXPECT_DOUBLE_EQ(m["attention"].flops, bnm * (3 + 5));
  EXPECT_DOUBLE_EQ(m["attention_backward"].flops, bnm * (3 * 3 + 2 * 5));
}

TEST(ProfilerFlops, NothingIsCountedWhileOff) {
  Generator g(5);
  const Tensor a = Tensor::randn({4, 6}, g);
  profiler::reset();
  profiler::enable(false);
  (void)ops::matmul(a, ops::transpose(a, 0, 1));
  EXPECT_EQ(profiler::total_flops(), 0.0);
  EXPECT_TRUE(profiler::snapshot().empty());
}

}  // namespace
}  // namespace gan
