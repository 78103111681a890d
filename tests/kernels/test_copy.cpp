// Strided copy / accumulate against naive index loops: 4-D permute, slice with
// step, concat, slice backward (accumulate into zeros), flip, broadcast source.
#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "gan/kernels/copy.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> iota_values(size_t n) {
  std::vector<T> v(n);
  std::iota(v.begin(), v.end(), T(1));
  return v;
}

template <class T>
std::vector<T> poisoned(size_t n) {
  return std::vector<T>(n, std::numeric_limits<T>::quiet_NaN());
}

template <class T>
class StridedCopyTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(StridedCopyTest, FloatTypes);

// out = x.permute(perm) made contiguous, for a contiguous x of shape s.
template <class T>
void check_permute(const std::array<int64_t, 4>& s, const std::array<int, 4>& perm) {
  const int64_t total = s[0] * s[1] * s[2] * s[3];
  const auto x = iota_values<T>(total);
  const std::array<int64_t, 4> xs = {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};  // x strides
  StridedCopyParams p;
  p.ndim = 4;
  for (int d = 0; d < 4; ++d) p.shape[d] = s[perm[d]], p.src_stride[d] = xs[perm[d]];
  p.dst_stride[3] = 1;
  for (int d = 2; d >= 0; --d) p.dst_stride[d] = p.dst_stride[d + 1] * p.shape[d + 1];
  auto out = poisoned<T>(total);
  cpu::strided_copy<T>(p, x.data(), out.data());
  // Naive: out[i0, i1, i2, i3] = x[j] with j_{perm[d]} = i_d.
  int64_t o = 0;
  for (int64_t i0 = 0; i0 < p.shape[0]; ++i0)
    for (int64_t i1 = 0; i1 < p.shape[1]; ++i1)
      for (int64_t i2 = 0; i2 < p.shape[2]; ++i2)
        for (int64_t i3 = 0; i3 < p.shape[3]; ++i3, ++o) {
          std::array<int64_t, 4> j{};
          j[perm[0]] = i0, j[perm[1]] = i1, j[perm[2]] = i2, j[perm[3]] = i3;
          const int64_t src = ((j[0] * s[1] + j[1]) * s[2] + j[2]) * s[3] + j[3];
          ASSERT_EQ(out[o], x[src]) << "at output " << o;
        }
}

TYPED_TEST(StridedCopyTest, Permute4D) {
  using T = TypeParam;
  check_permute<T>({2, 3, 4, 5}, {2, 0, 3, 1});
  check_permute<T>({3, 1, 7, 5}, {3, 2, 1, 0});
  check_permute<T>({2, 3, 4, 5}, {0, 1, 2, 3});  // identity: merges to one run
  // Large enough to be split across threads mid-row (81920 elements).
  check_permute<T>({8, 16, 32, 20}, {0, 2, 3, 1});
}

TYPED_TEST(StridedCopyTest, SliceWithStep2) {
  using T = TypeParam;
  // x [5, 9, 3]; out = x[1:5:2, 0:9:2, 2] -> [2, 5]
  const int64_t a = 5, b = 9, c = 3;
  const auto x = iota_values<T>(a * b * c);
  StridedCopyParams p;
  p.ndim = 2;
  p.shape[0] = 2, p.shape[1] = 5;
  p.src_stride[0] = 2 * b * c, p.src_stride[1] = 2 * c;
  p.dst_stride[0] = 5, p.dst_stride[1] = 1;
  const T* src = x.data() + 1 * b * c + 0 * c + 2;
  auto out = poisoned<T>(10);
  cpu::strided_copy<T>(p, src, out.data());
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(out[i * 5 + j], x[((1 + 2 * i) * b + 2 * j) * c + 2]) << i << "," << j;

  // Slice backward: scatter the gradient into a zeroed buffer of x's shape.
  const auto g = iota_values<T>(10);
  std::vector<T> dx(a * b * c, T(0));
  StridedCopyParams q = p;
  std::swap(q.src_stride, q.dst_stride);
  cpu::strided_accumulate<T>(q, g.data(), dx.data() + 1 * b * c + 2);
  std::vector<T> ref(a * b * c, T(0));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) ref[((1 + 2 * i) * b + 2 * j) * c + 2] += g[i * 5 + j];
  EXPECT_EQ(dx, ref);
  // Accumulate adds: a second pass doubles the touched entries.
  cpu::strided_accumulate<T>(q, g.data(), dx.data() + 1 * b * c + 2);
  for (size_t k = 0; k < ref.size(); ++k) EXPECT_EQ(dx[k], 2 * ref[k]);
}

TYPED_TEST(StridedCopyTest, ConcatAlongDim1) {
  using T = TypeParam;
  // a [3, 2, 4], b [3, 5, 4] -> out [3, 7, 4]
  const auto a = iota_values<T>(24);
  auto b = iota_values<T>(60);
  for (auto& v : b) v = -v;
  auto out = poisoned<T>(84);
  StridedCopyParams p;
  p.ndim = 3;
  p.shape[0] = 3, p.shape[1] = 2, p.shape[2] = 4;
  p.src_stride[0] = 8, p.src_stride[1] = 4, p.src_stride[2] = 1;
  p.dst_stride[0] = 28, p.dst_stride[1] = 4, p.dst_stride[2] = 1;
  cpu::strided_copy<T>(p, a.data(), out.data());
  p.shape[1] = 5, p.src_stride[0] = 20;
  cpu::strided_copy<T>(p, b.data(), out.data() + 2 * 4);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 7; ++j)
      for (int64_t k = 0; k < 4; ++k) {
        const T ref = j < 2 ? a[(i * 2 + j) * 4 + k] : b[(i * 5 + (j - 2)) * 4 + k];
        EXPECT_EQ(out[(i * 7 + j) * 4 + k], ref);
      }
}

TYPED_TEST(StridedCopyTest, FlipBroadcastAndScalar) {
  using T = TypeParam;
  // Flip: negative stride from the last element.
  const auto x = iota_values<T>(7);
  auto y = poisoned<T>(7);
  StridedCopyParams p;
  p.ndim = 1, p.shape[0] = 7, p.src_stride[0] = -1, p.dst_stride[0] = 1;
  cpu::strided_copy<T>(p, x.data() + 6, y.data());
  for (int i = 0; i < 7; ++i) EXPECT_EQ(y[i], x[6 - i]);
  // Broadcast a row [5] over 3 rows (source stride 0).
  const auto row = iota_values<T>(5);
  auto out = poisoned<T>(15);
  StridedCopyParams b;
  b.ndim = 2, b.shape[0] = 3, b.shape[1] = 5;
  b.src_stride[0] = 0, b.src_stride[1] = 1, b.dst_stride[0] = 5, b.dst_stride[1] = 1;
  cpu::strided_copy<T>(b, row.data(), out.data());
  for (int i = 0; i < 15; ++i) EXPECT_EQ(out[i], row[i % 5]);
  // ndim 0 copies one element; a zero extent copies nothing.
  StridedCopyParams s;
  T one = T(3), dst = T(0);
  cpu::strided_copy<T>(s, &one, &dst);
  EXPECT_EQ(dst, T(3));
  b.shape[0] = 0;
  cpu::strided_copy<T>(b, row.data(), &dst);
  EXPECT_EQ(dst, T(3));
}

TEST(StridedCopyMiscTest, CastCopyAndInt64AndErrors) {
  const std::vector<float> x = {1.5f, -2.25f, 3.0f, 4.0f, 5.0f, 6.0f};
  std::vector<double> y(6, 0.0);
  StridedCopyParams t;  // transpose [2, 3] -> [3, 2]
  t.ndim = 2, t.shape[0] = 3, t.shape[1] = 2;
  t.src_stride[0] = 1, t.src_stride[1] = 3, t.dst_stride[0] = 2, t.dst_stride[1] = 1;
  cpu::strided_cast_copy<float, double>(t, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<double>{1.5, 4.0, -2.25, 5.0, 3.0, 6.0}));
  const std::vector<int64_t> li = {10, 11, 12, 13, 14, 15};
  std::vector<int64_t> lo(6, 0);
  cpu::strided_copy<int64_t>(t, li.data(), lo.data());
  EXPECT_EQ(lo, (std::vector<int64_t>{10, 13, 11, 14, 12, 15}));

  StridedCopyParams bad;
  bad.ndim = kMaxDims + 1;
  EXPECT_THROW(cpu::strided_copy<float>(bad, x.data(), nullptr), KernelError);
  bad.ndim = 1, bad.shape[0] = -2;
  EXPECT_THROW(cpu::strided_copy<float>(bad, x.data(), nullptr), KernelError);
}

}  // namespace
}  // namespace gan::kernels
