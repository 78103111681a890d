// Embedding forward / backward against naive loops: repeated indices, exact
// (deterministic) scatter-add order, out-of-range errors.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/embedding.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> randn(size_t n, std::mt19937& rng) {
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

template <class T>
class EmbeddingTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(EmbeddingTest, FloatTypes);

template <class T>
void check_case(int64_t num, int64_t dim, const std::vector<int64_t>& idx, std::mt19937& rng) {
  const int64_t count = static_cast<int64_t>(idx.size());
  EmbeddingParams p;
  p.num = num, p.dim = dim, p.count = count;
  const auto table = randn<T>(num * dim, rng);
  std::vector<T> out(count * dim, std::numeric_limits<T>::quiet_NaN());
  cpu::embedding_fprop<T>(p, idx.data(), table.data(), out.data());
  for (int64_t k = 0; k < count; ++k)
    for (int64_t j = 0; j < dim; ++j) ASSERT_EQ(out[k * dim + j], table[idx[k] * dim + j]) << k << "," << j;

  const auto dout = randn<T>(count * dim, rng);
  std::vector<T> dtable(num * dim, std::numeric_limits<T>::quiet_NaN());
  cpu::embedding_bprop<T>(p, idx.data(), dout.data(), dtable.data());
  // Naive: zero, then add in increasing k. Same order, so equality is exact.
  std::vector<T> ref(num * dim, T(0));
  for (int64_t k = 0; k < count; ++k)
    for (int64_t j = 0; j < dim; ++j) ref[idx[k] * dim + j] += dout[k * dim + j];
  ASSERT_EQ(dtable, ref);
}

TYPED_TEST(EmbeddingTest, ForwardBackwardWithRepeatedIndices) {
  using T = TypeParam;
  std::mt19937 rng(61);
  check_case<T>(5, 3, {0, 4, 4, 2, 0, 4}, rng);  // row 1 and 3 untouched: gradient 0
  check_case<T>(7, 1, {6, 6, 6}, rng);
  check_case<T>(1, 37, {0}, rng);
  // Enough columns to split the backward across threads; many repeats.
  std::vector<int64_t> idx(200);
  for (size_t k = 0; k < idx.size(); ++k) idx[k] = static_cast<int64_t>((k * 7) % 50);
  check_case<T>(50, 300, idx, rng);
}

TYPED_TEST(EmbeddingTest, OutOfRangeIndexThrowsNamingPositionAndValue) {
  using T = TypeParam;
  EmbeddingParams p;
  p.num = 5, p.dim = 2, p.count = 4;
  const std::vector<T> table(10, T(1)), dout(8, T(1));
  std::vector<T> out(8, T(-3)), dtable(10, T(-3));
  for (int64_t bad : {int64_t{7}, int64_t{5}, int64_t{-1}}) {
    const std::vector<int64_t> idx = {0, 1, 4, bad};
    try {
      cpu::embedding_fprop<T>(p, idx.data(), table.data(), out.data());
      ADD_FAILURE() << "expected KernelError for index " << bad;
    } catch (const KernelError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("embedding"), std::string::npos) << msg;
      EXPECT_NE(msg.find("position 3"), std::string::npos) << msg;
      EXPECT_NE(msg.find("index " + std::to_string(bad)), std::string::npos) << msg;
    }
    EXPECT_THROW(cpu::embedding_bprop<T>(p, idx.data(), dout.data(), dtable.data()), KernelError);
  }
  // Validated before any write.
  for (T v : out) EXPECT_EQ(v, T(-3));
  for (T v : dtable) EXPECT_EQ(v, T(-3));
}

}  // namespace
}  // namespace gan::kernels
