// CUDA elementwise kernels vs the CPU reference: unary (every op), binary
// (every op, same-shape / broadcast / scalar / transposed / misaligned),
// where, fill, cast. Outputs start NaN-poisoned; sizes are not multiples of
// the block (1, 7, 1000, 65537).
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/cast_value.h"
#include "gan/kernels/elementwise.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

struct UnaryCase {
  k::UnaryOp op;
  double alpha = 0, beta = 0;
  bool positive = false;  // domain (0, 3] (log, sqrt, ...)
};

const std::vector<UnaryCase>& unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {k::UnaryOp::neg},        {k::UnaryOp::exp},
      {k::UnaryOp::log, 0, 0, true},  {k::UnaryOp::sqrt, 0, 0, true},
      {k::UnaryOp::rsqrt, 0, 0, true}, {k::UnaryOp::abs},
      {k::UnaryOp::sign},       {k::UnaryOp::square},
      {k::UnaryOp::reciprocal}, {k::UnaryOp::relu},
      {k::UnaryOp::leaky_relu, 0.2}, {k::UnaryOp::tanh},
      {k::UnaryOp::sigmoid},    {k::UnaryOp::softplus},
      {k::UnaryOp::clamp, -0.5, 0.7}, {k::UnaryOp::pow_scalar, 1.7, 0, true},
      {k::UnaryOp::add_scalar, 0.5}, {k::UnaryOp::mul_scalar, -1.5},
      {k::UnaryOp::rsub_scalar, 2.0}, {k::UnaryOp::step},
      {k::UnaryOp::gt_scalar, 0.3},
  };
  return cases;
}

// Inputs with a NaN and large magnitudes mixed in, to check the NaN semantics and the stable forms.
template <class T>
std::vector<T> unary_input(std::size_t n, bool positive) {
  auto x = positive ? random_vector<T>(n, next_seed(), 0.05, 3.0) : random_vector<T>(n, next_seed(), -3.0, 3.0);
  if (n >= 7) {
    x[3] = nan_value<T>();
    if (!positive) {
      x[5] = T(-90);
      x[6] = T(90);
    }
  }
  return x;
}

template <class T>
void unary_case(const UnaryCase& c, std::size_t n, std::size_t offset) {
  const auto x = unary_input<T>(n, c.positive);
  std::vector<T> ref(n);
  const k::UnaryParams p{static_cast<int64_t>(n), c.alpha, c.beta};
  k::cpu::unary<T>(p, c.op, x.data(), ref.data());
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> dx(x, offset), dy(n, nan_value<T>(), offset);
    k::cuda::unary<T>(p, c.op, dx.get(), dy.get());
    err = std::max(err, max_rel_err(dy.download(), ref));
    // In place (x and y the same buffer) is allowed.
    DeviceBuffer<T> dz(x, offset);
    k::cuda::unary<T>(p, c.op, dz.get(), dz.get());
    err = std::max(err, max_rel_err(dz.download(), ref));
  });
  const double tol = std::is_same_v<T, float> ? 2e-6 : 1e-14;
  check_and_record<T>(cat("unary(", k::unary_op_name(c.op), ")"), cat("[", n, "]", offset ? " +1 misaligned" : ""),
                      orders, err, tol);
}

template <class T>
void unary_all() {
  for (const auto& c : unary_cases()) {
    for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65537}}) unary_case<T>(c, n, 0);
    unary_case<T>(c, 1001, 1);
  }
}

TEST(CudaElementwise, UnaryFloat) {
  GAN_REQUIRE_DEVICE();
  unary_all<float>();
}
TEST(CudaElementwise, UnaryDouble) {
  GAN_REQUIRE_DEVICE();
  unary_all<double>();
}

// ---- binary / where ------------------------------------------------------------------

// A broadcast operand: its own shape (right-aligned against the output) or
// explicit strides (a view such as a transpose); `extent` is how many elements
// its buffer holds.
struct Operand {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides = {};  // empty: contiguous strides of `shape`
};

struct BroadcastCase {
  std::string name;
  std::vector<int64_t> out;
  std::vector<Operand> in;  // 2 (binary) or 3 (where)
  std::size_t offset = 0;   // misalign every pointer by this many elements
};

// Fills p and returns each operand's buffer size.
std::vector<std::size_t> make_broadcast(const BroadcastCase& c, k::BroadcastParams& p) {
  p = {};
  p.ndim = static_cast<int>(c.out.size());
  p.numel = 1;
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = c.out[d];
    p.numel *= c.out[d];
  }
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < c.in.size(); ++i) {
    const Operand& op = c.in[i];
    const int nd = static_cast<int>(op.shape.size());
    std::vector<int64_t> st = op.strides;
    if (st.empty()) {
      st.assign(nd, 1);
      for (int d = nd - 2; d >= 0; --d) st[d] = st[d + 1] * op.shape[d + 1];
    }
    int64_t extent = 1;
    for (int d = 0; d < nd; ++d) extent += (op.shape[d] - 1) * st[d];
    sizes.push_back(static_cast<std::size_t>(extent));
    for (int d = 0; d < p.ndim; ++d) {
      const int od = d - (p.ndim - nd);  // right-aligned operand dim
      p.stride[i][d] = (od < 0 || op.shape[od] == 1) ? 0 : st[od];
    }
  }
  return sizes;
}

std::vector<BroadcastCase> broadcast_cases() {
  return {
      {"same-shape [65537]", {65537}, {{{65537}}, {{65537}}, {{65537}}}},
      {"same-shape [7]", {7}, {{{7}}, {{7}}, {{7}}}},
      {"same-shape [1]", {1}, {{{1}}, {{1}}, {{1}}}},
      {"same-shape [1001] +1 misaligned", {1001}, {{{1001}}, {{1001}}, {{1001}}}, 1},
      {"[3,1000] x [1000]", {3, 1000}, {{{3, 1000}}, {{1000}}, {{3, 1}}}},
      {"[37,1,5] x [1,23,5]", {37, 23, 5}, {{{37, 1, 5}}, {{1, 23, 5}}, {{37, 23, 1}}}},
      {"[1000] x scalar []", {1000}, {{{1000}}, {{}}, {{1000}}}},
      {"transposed [40,30]^T x [30,1]", {30, 40}, {{{30, 40}, {1, 30}}, {{30, 1}}, {{40}}}},
      {"[2,3,4,5,6] x [3,1,5,1]", {2, 3, 4, 5, 6}, {{{2, 3, 4, 5, 6}}, {{3, 1, 5, 1}}, {{4, 1, 6}}}},
  };
}

template <class T>
void binary_all() {
  const k::BinaryOp ops[] = {k::BinaryOp::add, k::BinaryOp::sub,     k::BinaryOp::mul,     k::BinaryOp::div,
                             k::BinaryOp::pow, k::BinaryOp::maximum, k::BinaryOp::minimum, k::BinaryOp::gt,
                             k::BinaryOp::ge,  k::BinaryOp::lt,      k::BinaryOp::le,      k::BinaryOp::eq};
  for (const auto& c : broadcast_cases()) {
    k::BroadcastParams p;
    const auto sizes = make_broadcast(c, p);
    for (auto op : ops) {
      const bool pow = op == k::BinaryOp::pow;
      auto a = pow ? random_vector<T>(sizes[0], next_seed(), 0.1, 3.0) : random_vector<T>(sizes[0], next_seed());
      auto b = random_vector<T>(sizes[1], next_seed());
      // Equal elements (for eq/ge/le) and a NaN (for the NaN semantics).
      for (std::size_t i = 0; i < std::min(a.size(), b.size()); i += 5) a[i] = b[i];
      if (a.size() > 8) a[8] = nan_value<T>();
      std::vector<T> ref(static_cast<std::size_t>(p.numel));
      k::cpu::binary<T>(p, op, a.data(), b.data(), ref.data());
      double err = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> da(a, c.offset), db(b, c.offset), dout(ref.size(), nan_value<T>(), c.offset);
        k::cuda::binary<T>(p, op, da.get(), db.get(), dout.get());
        err = std::max(err, max_rel_err(dout.download(), ref));
      });
      check_and_record<T>(cat("binary(", k::binary_op_name(op), ")"), c.name, orders, err,
                          std::is_same_v<T, float> ? 2e-6 : 1e-14);
    }
  }
}

TEST(CudaElementwise, BinaryFloat) {
  GAN_REQUIRE_DEVICE();
  binary_all<float>();
}
TEST(CudaElementwise, BinaryDouble) {
  GAN_REQUIRE_DEVICE();
  binary_all<double>();
}

template <class T>
void where_all() {
  for (const auto& c : broadcast_cases()) {
    k::BroadcastParams p;
    const auto sizes = make_broadcast(c, p);
    auto cond = random_vector<T>(sizes[0], next_seed(), -1.0, 1.0);
    for (std::size_t i = 0; i < cond.size(); ++i) cond[i] = i % 3 == 0 ? T(0) : (cond[i] > 0 ? T(1) : cond[i]);
    if (cond.size() > 4) cond[4] = nan_value<T>();  // NaN counts as true
    const auto a = random_vector<T>(sizes[1], next_seed());
    const auto b = random_vector<T>(sizes[2], next_seed());
    std::vector<T> ref(static_cast<std::size_t>(p.numel));
    k::cpu::where<T>(p, cond.data(), a.data(), b.data(), ref.data());
    double err = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dc(cond, c.offset), da(a, c.offset), db(b, c.offset), dout(ref.size(), nan_value<T>(), c.offset);
      k::cuda::where<T>(p, dc.get(), da.get(), db.get(), dout.get());
      err = std::max(err, max_rel_err(dout.download(), ref));
    });
    check_and_record<T>("where", c.name, orders, err, 0.0);
  }
}

TEST(CudaElementwise, Where) {
  GAN_REQUIRE_DEVICE();
  where_all<float>();
  where_all<double>();
}

// int64_t (BatchNorm's batch counter): a value past 2^32, poison -1.
template <class T>
void fill_all() {
  const T value = std::is_integral_v<T> ? T((int64_t{1} << 40) + 3) : T(0.25);
  const T poison = std::is_integral_v<T> ? T(-1) : nan_value<T>();
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65537}}) {
    for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::vector<T> ref(n, value);
      double err = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> d(n, poison, offset);
        k::cuda::fill<T>(static_cast<int64_t>(n), value, d.get());
        const std::vector<T> got = d.download();
        err = std::max(err, got == ref ? 0.0 : 1.0);
      });
      check_and_record<T>("fill", cat("[", n, "]", offset ? " +1 misaligned" : ""), orders, err, 0.0);
    }
  }
}

TEST(CudaElementwise, Fill) {
  GAN_REQUIRE_DEVICE();
  fill_all<float>();
  fill_all<double>();
  fill_all<int64_t>();
}

template <class From, class To>
void cast_case() {
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65537}}) {
    for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const auto x = random_vector<From>(n, next_seed(), -1e3, 1e3);
      std::vector<To> ref(n);
      k::cpu::cast<From, To>(static_cast<int64_t>(n), x.data(), ref.data());
      double err = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<From> dx(x, offset);
        DeviceBuffer<To> dy(n, nan_value<To>(), offset);
        k::cuda::cast<From, To>(static_cast<int64_t>(n), dx.get(), dy.get());
        err = std::max(err, max_rel_err(dy.download(), ref));
      });
      check_and_record<To>(cat("cast<", dtype_name<From>(), ",", dtype_name<To>(), ">"),
                           cat("[", n, "]", offset ? " +1 misaligned" : ""), orders, err, 0.0);
    }
  }
}

TEST(CudaElementwise, Cast) {
  GAN_REQUIRE_DEVICE();
  cast_case<float, double>();
  cast_case<double, float>();
  cast_case<float, float>();
  cast_case<double, double>();
}

// int64 <-> floating, bit for bit against the reference, on the edge values
// cast_value.h defines (NaN, +-inf, +-2^63, beyond, halves, 2^53 + 1) and on
// random values, aligned and one element off.
template <class F>
void int64_cast_cases() {
  const F inf = std::numeric_limits<F>::infinity(), two63 = F(9223372036854775808.0);
  std::vector<F> xf = {0, F(-0.0), F(0.5), F(-0.5), F(1.99), F(-1.99), F(123456789.0), F(3e18), F(-3e18),
                       two63, -two63, F(1e19), F(-1e19), inf, -inf, std::numeric_limits<F>::quiet_NaN()};
  const std::vector<int64_t> want = {0, 0, 0, 0, 1, -1, static_cast<int64_t>(F(123456789.0)),
                                     static_cast<int64_t>(F(3e18)), static_cast<int64_t>(F(-3e18)), INT64_MAX,
                                     INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, INT64_MIN};
  std::vector<int64_t> xi = {0, 1, -1, (int64_t{1} << 53) + 1, INT64_MAX, INT64_MIN, -(int64_t{1} << 40) - 3};
  std::mt19937_64 rng(next_seed());
  for (int i = 0; i < 1000; ++i) {
    xf.push_back(static_cast<F>(static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) / 7.0));
    xi.push_back(static_cast<int64_t>(rng()));
  }
  std::vector<int64_t> ref_i(xf.size());
  std::vector<F> ref_f(xi.size());
  k::cpu::cast<F, int64_t>(static_cast<int64_t>(xf.size()), xf.data(), ref_i.data());
  k::cpu::cast<int64_t, F>(static_cast<int64_t>(xi.size()), xi.data(), ref_f.data());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(ref_i[i], want[i]) << "reference, value " << xf[i];
  for (std::size_t i = 0; i < xi.size(); ++i) EXPECT_EQ(ref_f[i], static_cast<F>(xi[i])) << "reference, " << xi[i];
  for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
    DeviceBuffer<F> dxf(xf, offset);
    DeviceBuffer<int64_t> dyi(xf.size(), int64_t{0x5a5a5a5a5a5a5a5a}, offset), dxi(xi, offset);
    DeviceBuffer<F> dyf(xi.size(), nan_value<F>(), offset);
    k::cuda::cast<F, int64_t>(static_cast<int64_t>(xf.size()), dxf.get(), dyi.get());
    k::cuda::cast<int64_t, F>(static_cast<int64_t>(xi.size()), dxi.get(), dyf.get());
    EXPECT_EQ(dyi.download(), ref_i) << dtype_name<F>() << " -> int64, offset " << offset;
    EXPECT_EQ(dyf.download(), ref_f) << "int64 -> " << dtype_name<F>() << ", offset " << offset;
  }
}

TEST(CudaElementwise, CastToAndFromInt64) {
  GAN_REQUIRE_DEVICE();
  int64_cast_cases<float>();
  int64_cast_cases<double>();
}

// arange: start + i * step in double, converted by cast_value, bit for bit
// against the reference (which is checked against the formula), with a
// negative step, a fractional one, a long ramp and values past 2^53.
template <class T>
void arange_cases() {
  struct Case {
    int64_t n;
    double start, step;
  };
  for (const Case c : {Case{1000, 0, 1}, Case{37, 5.5, -0.25}, Case{70001, -3, 1e-3}, Case{10, 9007199254740992.0, 1},
                       Case{0, 1, 1}}) {
    std::vector<T> ref(static_cast<std::size_t>(c.n));
    k::cpu::arange<T>(c.n, c.start, c.step, ref.data());
    for (int64_t i = 0; i < c.n; ++i)
      ASSERT_EQ(ref[static_cast<std::size_t>(i)], k::cast_value<T>(c.start + static_cast<double>(i) * c.step)) << i;
    for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      DeviceBuffer<T> d(static_cast<std::size_t>(c.n), T(77), offset);
      k::cuda::arange<T>(c.n, c.start, c.step, d.get());
      EXPECT_EQ(d.download(), ref) << dtype_name<T>() << " n " << c.n << " start " << c.start << " step " << c.step;
    }
  }
}

TEST(CudaElementwise, ArangeMatchesTheReference) {
  GAN_REQUIRE_DEVICE();
  arange_cases<float>();
  arange_cases<double>();
  arange_cases<int64_t>();
}

TEST(CudaElementwise, ErrorsNameTheKernel) {
  GAN_REQUIRE_DEVICE();
  k::BroadcastParams p;
  p.ndim = 1;
  p.shape[0] = 4;
  p.numel = 5;  // inconsistent
  float dummy[8] = {};
  try {
    k::cuda::binary<float>(p, k::BinaryOp::add, dummy, dummy, dummy);
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("binary"), std::string::npos) << e.what();
  }
  EXPECT_THROW(k::cuda::unary<float>(k::UnaryParams{-1}, k::UnaryOp::exp, dummy, dummy), k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test
