// Elementwise CPU kernels against naive loops written here, on random inputs:
// awkward sizes (1, 7, 1000, 65537), broadcasting up to rank 5, strided views,
// float and double. Outputs are poisoned with NaN first, so any element the
// kernel forgets to write fails the comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gan/kernels/elementwise.h"

namespace {

using gan::kernels::BinaryOp;
using gan::kernels::BroadcastParams;
using gan::kernels::KernelError;
using gan::kernels::UnaryOp;
using gan::kernels::UnaryParams;
namespace cpu = gan::kernels::cpu;

using Shape = std::vector<int64_t>;

template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

// Relative tolerance for results computed in T against a double reference.
template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-13;
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string to_string(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0) r += ',';
    r += std::to_string(s[i]);
  }
  return r + "]";
}

template <class T>
std::vector<T> random_vector(int64_t n, double lo, double hi, std::mt19937& rng) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Values from {-2, -1.5, ..., 2}: comparisons then see many exact ties.
template <class T>
std::vector<T> random_quantized(int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-4, 4);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng) * 0.5);
  return v;
}

// got ~ want: NaN exactly where want is NaN, otherwise within rtol (and a
// matching absolute floor for results near zero). A plain bool, so the
// million-element loops stay cheap; callers print the details on failure.
template <class T>
bool is_close(T got, double want, double rtol) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::abs(static_cast<double>(got) - want) <= rtol * std::max(1.0, std::abs(want));
}

// ---- unary -------------------------------------------------------------------

struct UnaryCase {
  UnaryOp op;
  double lo, hi;  // input range (positive for log, sqrt, ...)
  double alpha = 0, beta = 0;
};

const UnaryCase kUnaryCases[] = {
    {UnaryOp::neg, -4, 4},          {UnaryOp::exp, -4, 4},
    {UnaryOp::log, 0.1, 4},         {UnaryOp::sqrt, 0.1, 4},
    {UnaryOp::rsqrt, 0.1, 4},       {UnaryOp::abs, -4, 4},
    {UnaryOp::sign, -4, 4},         {UnaryOp::square, -4, 4},
    {UnaryOp::reciprocal, 0.1, 4},  {UnaryOp::relu, -4, 4},
    {UnaryOp::leaky_relu, -4, 4, 0.2},
    {UnaryOp::tanh, -4, 4},         {UnaryOp::sigmoid, -8, 8},
    {UnaryOp::softplus, -8, 8},     {UnaryOp::clamp, -4, 4, -0.5, 1.5},
    {UnaryOp::pow_scalar, 0.1, 4, 2.5},
    {UnaryOp::pow_scalar, 0.1, 4, -1.5},
    {UnaryOp::add_scalar, -4, 4, 0.75},
    {UnaryOp::mul_scalar, -4, 4, -1.25},
    {UnaryOp::rsub_scalar, -4, 4, 1.0},
    {UnaryOp::step, -4, 4},         {UnaryOp::gt_scalar, -4, 4, 0.5},
};

// The textbook formula of each op, in double.
double ref_unary(UnaryOp op, double x, double alpha, double beta) {
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::exp: return std::exp(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::rsqrt: return 1.0 / std::sqrt(x);
    case UnaryOp::abs: return std::fabs(x);
    case UnaryOp::sign: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case UnaryOp::square: return x * x;
    case UnaryOp::reciprocal: return 1.0 / x;
    case UnaryOp::relu: return x > 0 ? x : 0.0;
    case UnaryOp::leaky_relu: return x > 0 ? x : alpha * x;
    case UnaryOp::tanh: return std::tanh(x);
    case UnaryOp::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryOp::softplus: return std::log(1.0 + std::exp(x));
    case UnaryOp::clamp: return x < alpha ? alpha : (x > beta ? beta : x);
    case UnaryOp::pow_scalar: return std::pow(x, alpha);
    case UnaryOp::add_scalar: return x + alpha;
    case UnaryOp::mul_scalar: return x * alpha;
    case UnaryOp::rsub_scalar: return alpha - x;
    case UnaryOp::step: return x > 0 ? 1.0 : 0.0;
    case UnaryOp::gt_scalar: return x > alpha ? 1.0 : 0.0;
  }
  return std::nan("");
}

// ---- broadcasting --------------------------------------------------------------

// NumPy broadcasting of the inputs' shapes (right-aligned); returns the params
// the engine would build and the output shape.
BroadcastParams make_broadcast(const std::vector<Shape>& inputs, Shape& out) {
  size_t rank = 0;
  for (const Shape& s : inputs) rank = std::max(rank, s.size());
  out.assign(rank, 1);
  for (const Shape& s : inputs) {
    for (size_t j = 0; j < s.size(); ++j) {
      int64_t& o = out[rank - s.size() + j];
      if (s[j] != 1) o = s[j];
    }
  }
  BroadcastParams p;
  p.ndim = static_cast<int>(rank);
  p.numel = numel_of(out);
  for (size_t d = 0; d < rank; ++d) p.shape[d] = out[d];
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    int64_t stride = 1;  // contiguous stride of input i, innermost first
    for (size_t j = s.size(); j-- > 0;) {
      p.stride[i][rank - s.size() + j] = s[j] == 1 ? 0 : stride;
      stride *= s[j];
    }
  }
  return p;
}

// Offset in a contiguous input of shape `in` of the element that output
// multi-index `idx` (of rank out_rank) reads under NumPy broadcasting.
int64_t broadcast_offset(const Shape& in, const Shape& idx) {
  int64_t off = 0;
  const size_t lead = idx.size() - in.size();
  for (size_t j = 0; j < in.size(); ++j) off = off * in[j] + (in[j] == 1 ? 0 : idx[lead + j]);
  return off;
}

Shape unravel(int64_t k, const Shape& shape) {
  Shape idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = k % shape[d];
    k /= shape[d];
  }
  return idx;
}

template <class T>
T ref_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::pow: return std::pow(a, b);
    case BinaryOp::maximum: return (std::isnan(a) || std::isnan(b)) ? kNaN<T> : (a > b ? a : b);
    case BinaryOp::minimum: return (std::isnan(a) || std::isnan(b)) ? kNaN<T> : (a < b ? a : b);
    case BinaryOp::gt: return a > b;
    case BinaryOp::ge: return a >= b;
    case BinaryOp::lt: return a < b;
    case BinaryOp::le: return a <= b;
    case BinaryOp::eq: return a == b;
  }
  return kNaN<T>;
}

const BinaryOp kBinaryOps[] = {BinaryOp::add,     BinaryOp::sub,     BinaryOp::mul, BinaryOp::div,
                               BinaryOp::pow,     BinaryOp::maximum, BinaryOp::minimum,
                               BinaryOp::gt,      BinaryOp::ge,      BinaryOp::lt,  BinaryOp::le,
                               BinaryOp::eq};

// Inputs in each op's domain: positive bases for pow, denominators away from 0
// for div, ties for comparisons.
template <class T>
void binary_inputs(BinaryOp op, int64_t na, int64_t nb, std::mt19937& rng, std::vector<T>& a,
                   std::vector<T>& b) {
  switch (op) {
    case BinaryOp::pow:
      a = random_vector<T>(na, 0.5, 2, rng);
      b = random_vector<T>(nb, -2, 2, rng);
      return;
    case BinaryOp::div:
      a = random_vector<T>(na, -3, 3, rng);
      b = random_vector<T>(nb, 0.5, 2, rng);
      for (size_t i = 0; i < b.size(); i += 2) b[i] = -b[i];
      return;
    case BinaryOp::add:
    case BinaryOp::sub:
    case BinaryOp::mul:
      a = random_vector<T>(na, -3, 3, rng);
      b = random_vector<T>(nb, -3, 3, rng);
      return;
    default:
      a = random_quantized<T>(na, rng);
      b = random_quantized<T>(nb, rng);
      return;
  }
}

template <class T>
class ElementwiseTest : public ::testing::Test {};
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ElementwiseTest, ElementTypes);

// ---- tests ---------------------------------------------------------------------

TYPED_TEST(ElementwiseTest, UnaryMatchesNaiveLoop) {
  using T = TypeParam;
  std::mt19937 rng(1234);
  for (const UnaryCase& c : kUnaryCases) {
    for (int64_t n : {1, 7, 1000, 65537}) {
      const std::vector<T> x = random_vector<T>(n, c.lo, c.hi, rng);
      std::vector<T> y(n, kNaN<T>);
      cpu::unary<T>({n, c.alpha, c.beta}, c.op, x.data(), y.data());
      int failures = 0;
      for (int64_t i = 0; i < n && failures < 5; ++i) {
        const double want = ref_unary(c.op, x[i], c.alpha, c.beta);
        ASSERT_FALSE(std::isnan(want)) << "the inputs are chosen inside the op's domain";
        if (is_close(y[i], want, 4 * tolerance<T>())) continue;
        ++failures;
        ADD_FAILURE() << gan::kernels::unary_op_name(c.op) << " n=" << n << " i=" << i << " x=" << x[i]
                      << ": got " << y[i] << ", want " << want;
      }
    }
  }
}

TYPED_TEST(ElementwiseTest, UnaryInPlace) {
  using T = TypeParam;
  std::mt19937 rng(7);
  std::vector<T> x = random_vector<T>(1000, -3, 3, rng);
  const std::vector<T> x0 = x;
  cpu::unary<T>({1000, 0.2, 0}, UnaryOp::leaky_relu, x.data(), x.data());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], x0[i] > 0 ? x0[i] : T(0.2) * x0[i]);
}

TYPED_TEST(ElementwiseTest, UnaryKnownValuesAndNaN) {
  using T = TypeParam;
  const T nan = kNaN<T>;
  const T inf = std::numeric_limits<T>::infinity();
  auto one = [](UnaryOp op, T x, double alpha = 0, double beta = 0) {
    T y = kNaN<T>;
    cpu::unary<T>({1, alpha, beta}, op, &x, &y);
    return y;
  };
  // NaN propagates through every arithmetic op, relu and clamp ...
  for (UnaryOp op : {UnaryOp::neg, UnaryOp::exp, UnaryOp::log, UnaryOp::abs, UnaryOp::sign, UnaryOp::relu,
                     UnaryOp::leaky_relu, UnaryOp::tanh, UnaryOp::sigmoid, UnaryOp::softplus,
                     UnaryOp::square, UnaryOp::add_scalar, UnaryOp::mul_scalar}) {
    EXPECT_TRUE(std::isnan(one(op, nan, 0.5))) << gan::kernels::unary_op_name(op);
  }
  EXPECT_TRUE(std::isnan(one(UnaryOp::clamp, nan, -1, 1)));
  // ... while comparisons with NaN are false.
  EXPECT_EQ(one(UnaryOp::step, nan), T(0));
  EXPECT_EQ(one(UnaryOp::gt_scalar, nan, 0.0), T(0));
  // Edge values.
  EXPECT_EQ(one(UnaryOp::relu, T(-1)), T(0));
  EXPECT_EQ(one(UnaryOp::relu, T(0)), T(0));
  EXPECT_EQ(one(UnaryOp::sign, T(0)), T(0));
  EXPECT_EQ(one(UnaryOp::sign, T(-3)), T(-1));
  EXPECT_EQ(one(UnaryOp::step, T(0)), T(0));
  EXPECT_EQ(one(UnaryOp::gt_scalar, T(0.5), 0.5), T(0));
  EXPECT_EQ(one(UnaryOp::clamp, T(-inf), -1, 2), T(-1));
  EXPECT_EQ(one(UnaryOp::clamp, T(inf), -1, 2), T(2));
  // Stable sigmoid/softplus: no overflow to NaN at large |x|.
  EXPECT_EQ(one(UnaryOp::sigmoid, T(1000)), T(1));
  EXPECT_EQ(one(UnaryOp::sigmoid, T(-1000)), T(0));
  EXPECT_EQ(one(UnaryOp::softplus, T(1000)), T(1000));
  EXPECT_EQ(one(UnaryOp::softplus, T(-1000)), T(0));
  EXPECT_NEAR(one(UnaryOp::softplus, T(-30)), std::exp(-30.0), 1e-6 * std::exp(-30.0));
  EXPECT_NEAR(one(UnaryOp::softplus, T(0)), std::log(2.0), 1e-6);
  EXPECT_EQ(one(UnaryOp::rsqrt, T(4)), T(0.5));
  EXPECT_EQ(one(UnaryOp::pow_scalar, T(3), 2.0), T(9));
}

TYPED_TEST(ElementwiseTest, BinaryBroadcastMatchesNaiveLoop) {
  using T = TypeParam;
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1}, {1}},
      {{7}, {7}},
      {{1000}, {1000}},
      {{65537}, {65537}},          // flat path, parallel
      {{2, 3, 4, 5, 6}, {2, 3, 4, 5, 6}},
      {{}, {2, 3, 4}},             // scalar vs tensor
      {{2, 3, 4}, {}},
      {{65537}, {1}},              // scalar fast path, parallel
      {{}, {}},
      {{3, 1, 5}, {1, 4, 1}},
      {{5}, {4, 5}},               // rank mismatch
      {{4, 1}, {4, 5}},
      {{7, 1, 1}, {1, 1, 1}},
      {{2, 1, 3, 1, 4}, {1, 3, 1, 2, 1}},  // rank 5, alternating
      {{33, 1, 1000}, {1, 3, 1}},  // parallel; chunks start mid-row
      {{3, 40000}, {3, 1}},
      {{0, 3}, {1, 3}},            // empty output
  };
  std::mt19937 rng(42);
  for (const auto& [sa, sb] : cases) {
    Shape out;
    const BroadcastParams p = make_broadcast({sa, sb}, out);
    const int64_t n = numel_of(out);
    // Which input elements each output reads, by the naive rule (shared by all ops).
    std::vector<int64_t> off_a(n), off_b(n);
    for (int64_t k = 0; k < n; ++k) {
      const Shape idx = unravel(k, out);
      off_a[k] = broadcast_offset(sa, idx);
      off_b[k] = broadcast_offset(sb, idx);
    }
    for (BinaryOp op : kBinaryOps) {
      std::vector<T> a, b;
      binary_inputs<T>(op, numel_of(sa), numel_of(sb), rng, a, b);
      std::vector<T> y(n, kNaN<T>);
      cpu::binary<T>(p, op, a.data(), b.data(), y.data());
      int failures = 0;
      for (int64_t k = 0; k < n && failures < 5; ++k) {
        const double want = ref_binary<T>(op, a[off_a[k]], b[off_b[k]]);
        ASSERT_FALSE(std::isnan(want)) << "the inputs are chosen inside the op's domain";
        if (is_close(y[k], want, tolerance<T>())) continue;
        ++failures;
        ADD_FAILURE() << gan::kernels::binary_op_name(op) << " " << to_string(sa) << " with " << to_string(sb)
                      << " at " << k << ": got " << y[k] << ", want " << want;
      }
    }
  }
}

// Inputs that are views, not contiguous tensors: a transposed operand (the
// kernel's strided path) against a contiguous one.
TYPED_TEST(ElementwiseTest, BinaryStridedInputs) {
  using T = TypeParam;
  std::mt19937 rng(5);
  for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{4, 5}, {300, 221}}) {
    // a is stored [cols, rows] and read as its transpose [rows, cols].
    const std::vector<T> at = random_vector<T>(rows * cols, -2, 2, rng);
    const std::vector<T> b = random_vector<T>(rows * cols, -2, 2, rng);
    BroadcastParams p;
    p.ndim = 2;
    p.shape[0] = rows;
    p.shape[1] = cols;
    p.numel = rows * cols;
    p.stride[0][0] = 1;
    p.stride[0][1] = rows;
    p.stride[1][0] = cols;
    p.stride[1][1] = 1;
    std::vector<T> y(rows * cols, kNaN<T>);
    cpu::binary<T>(p, BinaryOp::sub, at.data(), b.data(), y.data());
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        ASSERT_EQ(y[i * cols + j], at[j * rows + i] - b[i * cols + j]) << rows << "x" << cols << " " << i << "," << j;
      }
    }
  }
}

TYPED_TEST(ElementwiseTest, BinaryNaNPropagation) {
  using T = TypeParam;
  const T nan = kNaN<T>;
  const std::vector<T> a = {nan, T(1), nan, T(2)};
  const std::vector<T> b = {T(1), nan, nan, T(3)};
  Shape out;
  const BroadcastParams p = make_broadcast({{4}, {4}}, out);
  std::vector<T> y(4);
  for (BinaryOp op : {BinaryOp::maximum, BinaryOp::minimum, BinaryOp::add, BinaryOp::mul}) {
    cpu::binary<T>(p, op, a.data(), b.data(), y.data());
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]) && std::isnan(y[2])) << gan::kernels::binary_op_name(op);
    EXPECT_FALSE(std::isnan(y[3]));
  }
  for (BinaryOp op : {BinaryOp::gt, BinaryOp::ge, BinaryOp::lt, BinaryOp::le, BinaryOp::eq}) {
    cpu::binary<T>(p, op, a.data(), b.data(), y.data());
    EXPECT_EQ(y[0], T(0)) << gan::kernels::binary_op_name(op);
    EXPECT_EQ(y[1], T(0));
    EXPECT_EQ(y[2], T(0));
  }
}

TYPED_TEST(ElementwiseTest, WhereBroadcastMatchesNaiveLoop) {
  using T = TypeParam;
  const std::vector<std::vector<Shape>> cases = {
      {{1}, {1}, {1}},
      {{65537}, {65537}, {65537}},
      {{3, 1, 5}, {1, 4, 1}, {}},
      {{2, 1, 3, 1, 4}, {1, 3, 1, 2, 1}, {4}},
      {{}, {7, 3}, {3}},
      {{5, 1}, {1, 20000}, {5, 20000}},
  };
  std::mt19937 rng(99);
  std::bernoulli_distribution coin(0.5);
  for (const auto& shapes : cases) {
    Shape out;
    const BroadcastParams p = make_broadcast(shapes, out);
    std::vector<T> cond(numel_of(shapes[0]));
    for (size_t i = 0; i < cond.size(); ++i) {
      cond[i] = coin(rng) ? T(0) : (i % 3 == 0 ? kNaN<T> : T(-1));  // NaN counts as true
    }
    const std::vector<T> a = random_vector<T>(numel_of(shapes[1]), -2, 2, rng);
    const std::vector<T> b = random_vector<T>(numel_of(shapes[2]), -2, 2, rng);
    std::vector<T> y(numel_of(out), kNaN<T>);
    cpu::where<T>(p, cond.data(), a.data(), b.data(), y.data());
    for (int64_t k = 0; k < numel_of(out); ++k) {
      const Shape idx = unravel(k, out);
      const T c = cond[broadcast_offset(shapes[0], idx)];
      const T want = c != T(0) ? a[broadcast_offset(shapes[1], idx)] : b[broadcast_offset(shapes[2], idx)];
      ASSERT_EQ(y[k], want) << to_string(shapes[0]) << " " << to_string(shapes[1]) << " "
                            << to_string(shapes[2]) << " at " << k;
    }
  }
}

TYPED_TEST(ElementwiseTest, FillWritesExactlyN) {
  using T = TypeParam;
  for (int64_t n : {0, 1, 7, 1000, 65537}) {
    std::vector<T> y(n + 1, kNaN<T>);
    cpu::fill<T>(n, T(2.5), y.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], T(2.5)) << n << " " << i;
    EXPECT_TRUE(std::isnan(y[n])) << "fill wrote past n=" << n;
  }
}

TYPED_TEST(ElementwiseTest, CastMatchesStaticCast) {
  using T = TypeParam;
  using Other = std::conditional_t<std::is_same_v<T, float>, double, float>;
  std::mt19937 rng(3);
  for (int64_t n : {1, 7, 65537}) {
    const std::vector<T> x = random_vector<T>(n, -1e3, 1e3, rng);
    std::vector<Other> y(n, kNaN<Other>);
    std::vector<T> z(n, kNaN<T>);
    cpu::cast<T, Other>(n, x.data(), y.data());
    cpu::cast<T, T>(n, x.data(), z.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(y[i], static_cast<Other>(x[i]));
      ASSERT_EQ(z[i], x[i]);
    }
  }
}

TYPED_TEST(ElementwiseTest, InvalidParamsFailNamingTheKernel) {
  using T = TypeParam;
  T x[4] = {}, y[4] = {};
  auto expect_error = [](auto&& call, const std::string& kernel) {
    try {
      call();
      ADD_FAILURE() << "expected KernelError from " << kernel;
    } catch (const KernelError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(kernel + ":", 0), 0u) << e.what();
    }
  };
  expect_error([&] { cpu::unary<T>({-1, 0, 0}, UnaryOp::exp, x, y); }, "unary");
  expect_error([&] { cpu::fill<T>(-1, T(0), y); }, "fill");
  expect_error([&] { cpu::cast<T, T>(-2, x, y); }, "cast");

  Shape out;
  BroadcastParams p = make_broadcast({{2, 2}, {2, 2}}, out);
  p.numel = 5;  // does not match the shape
  expect_error([&] { cpu::binary<T>(p, BinaryOp::add, x, y, y); }, "binary");
  expect_error([&] { cpu::where<T>(p, x, x, y, y); }, "where");
  p.numel = 4;
  p.ndim = gan::kernels::kMaxDims + 1;
  expect_error([&] { cpu::binary<T>(p, BinaryOp::add, x, y, y); }, "binary");
  p.ndim = 2;
  p.shape[1] = -2;
  p.numel = -4;
  expect_error([&] { cpu::binary<T>(p, BinaryOp::add, x, y, y); }, "binary");
}

TEST(ElementwiseNames, OpNames) {
  EXPECT_STREQ(gan::kernels::unary_op_name(UnaryOp::softplus), "softplus");
  EXPECT_STREQ(gan::kernels::unary_op_name(UnaryOp::gt_scalar), "gt_scalar");
  EXPECT_STREQ(gan::kernels::binary_op_name(BinaryOp::maximum), "maximum");
  EXPECT_STREQ(gan::kernels::binary_op_name(BinaryOp::eq), "eq");
}

}  // namespace
