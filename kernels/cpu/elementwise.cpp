// CPU reference for the elementwise kernels (elementwise.h): unary maps,
// broadcasting binary ops, where, fill and cast.
//
// Layout: unary/fill/cast see flat contiguous [n] buffers. Binary/where write a
// contiguous output [shape...] and read each input through per-dim strides in
// the output's index space (stride 0 = broadcast along that dim).
//
// Algorithm: the broadcast description is first coalesced (size-1 dims
// dropped, adjacent dims merged where every input steps through them as one),
// so same-shape contiguous inputs become one flat run and a scalar operand a
// stride-0 run. The output is then split into chunks of ~16K elements for
// parallel_for; each chunk walks an odometer over the coalesced dims and hands
// the innermost dim to a tight 1-D loop, specialised for unit and zero strides
// so that the common cases vectorise. Each op is a separate lambda passed as a
// template argument, so the switch on the op happens once per call, not per
// element.
//
// Napkin math: memory bound. Per output element a unary op reads and writes one
// element (8 B float, 16 B double), a binary op 12/24 B, where 16/32 B, for
// 1 FLOP (a few tens for exp/log/tanh/pow). At ~10 GB/s per core a 1M-element
// float add (12 MB) takes ~1 ms on one core.
#include "gan/kernels/elementwise.h"

#include "gan/kernels/cast_value.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gan/kernels/cpu_parallel.h"
#include "select.h"

namespace gan::kernels {

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::neg: return "neg";
    case UnaryOp::exp: return "exp";
    case UnaryOp::log: return "log";
    case UnaryOp::sqrt: return "sqrt";
    case UnaryOp::rsqrt: return "rsqrt";
    case UnaryOp::abs: return "abs";
    case UnaryOp::sign: return "sign";
    case UnaryOp::square: return "square";
    case UnaryOp::reciprocal: return "reciprocal";
    case UnaryOp::relu: return "relu";
    case UnaryOp::leaky_relu: return "leaky_relu";
    case UnaryOp::tanh: return "tanh";
    case UnaryOp::sigmoid: return "sigmoid";
    case UnaryOp::softplus: return "softplus";
    case UnaryOp::clamp: return "clamp";
    case UnaryOp::pow_scalar: return "pow_scalar";
    case UnaryOp::add_scalar: return "add_scalar";
    case UnaryOp::mul_scalar: return "mul_scalar";
    case UnaryOp::rsub_scalar: return "rsub_scalar";
    case UnaryOp::step: return "step";
    case UnaryOp::gt_scalar: return "gt_scalar";
  }
  return "unknown";
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "add";
    case BinaryOp::sub: return "sub";
    case BinaryOp::mul: return "mul";
    case BinaryOp::div: return "div";
    case BinaryOp::pow: return "pow";
    case BinaryOp::maximum: return "maximum";
    case BinaryOp::minimum: return "minimum";
    case BinaryOp::gt: return "gt";
    case BinaryOp::ge: return "ge";
    case BinaryOp::lt: return "lt";
    case BinaryOp::le: return "le";
    case BinaryOp::eq: return "eq";
  }
  return "unknown";
}

namespace cpu {
namespace {

// Elements per parallel chunk: large enough that thread start-up (~µs) is noise.
constexpr int64_t kGrain = 16384;

// ---- per-element op definitions ----------------------------------------------

// Calls run(f) with f the scalar function of `op`. alpha/beta are converted to
// T once, outside the element loop.
template <class T, class Run>
void with_unary_op(UnaryOp op, double alpha_d, double beta_d, Run&& run) {
  const T alpha = static_cast<T>(alpha_d);
  const T beta = static_cast<T>(beta_d);
  switch (op) {
    case UnaryOp::neg: return run([](T x) { return -x; });
    case UnaryOp::exp: return run([](T x) { return std::exp(x); });
    case UnaryOp::log: return run([](T x) { return std::log(x); });
    case UnaryOp::sqrt: return run([](T x) { return std::sqrt(x); });
    case UnaryOp::rsqrt: return run([](T x) { return T(1) / std::sqrt(x); });
    case UnaryOp::abs: return run([](T x) { return std::abs(x); });
    // The last branch returns x itself so that 0 -> 0 and NaN -> NaN.
    case UnaryOp::sign: return run([](T x) { return x > 0 ? T(1) : (x < 0 ? T(-1) : x); });
    case UnaryOp::square: return run([](T x) { return x * x; });
    case UnaryOp::reciprocal: return run([](T x) { return T(1) / x; });
    // Written as "x < 0 ? 0 : x" (not "x > 0 ? x : 0") so that NaN propagates.
    case UnaryOp::relu: return run([](T x) { return x < 0 ? T(0) : x; });
    // A select of the factor, then one multiply (x * 1 = x exactly): branch-free
    // and vectorisable (select.h), where "x > 0 ? x : alpha * x" is a branch
    // mispredicted on every other element.
    case UnaryOp::leaky_relu: return run([alpha](T x) { return x * select_bits(x > 0, T(1), alpha); });
    case UnaryOp::tanh: return run([](T x) { return std::tanh(x); });
    // exp of a non-positive argument only, so neither branch overflows;
    // NaN fails "x >= 0" and propagates through the second branch.
    case UnaryOp::sigmoid:
      return run([](T x) {
        if (x >= 0) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
      });
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, no
    // loss of the small tail for very negative x.
    case UnaryOp::softplus:
      return run([](T x) {
        if (std::isnan(x)) return x;
        return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
      });
    case UnaryOp::clamp:
      return run([alpha, beta](T x) {
        if (std::isnan(x)) return x;
        return std::min(std::max(x, alpha), beta);
      });
    case UnaryOp::pow_scalar: return run([alpha](T x) { return std::pow(x, alpha); });
    case UnaryOp::add_scalar: return run([alpha](T x) { return x + alpha; });
    case UnaryOp::mul_scalar: return run([alpha](T x) { return x * alpha; });
    case UnaryOp::rsub_scalar: return run([alpha](T x) { return alpha - x; });
    case UnaryOp::step: return run([](T x) { return x > 0 ? T(1) : T(0); });
    case UnaryOp::gt_scalar: return run([alpha](T x) { return x > alpha ? T(1) : T(0); });
  }
  fail("unary", "unknown op " + std::to_string(static_cast<int>(op)));
}

template <class T, class Run>
void with_binary_op(BinaryOp op, Run&& run) {
  switch (op) {
    case BinaryOp::add: return run([](T a, T b) { return a + b; });
    case BinaryOp::sub: return run([](T a, T b) { return a - b; });
    case BinaryOp::mul: return run([](T a, T b) { return a * b; });
    case BinaryOp::div: return run([](T a, T b) { return a / b; });
    case BinaryOp::pow: return run([](T a, T b) { return std::pow(a, b); });
    // PyTorch semantics: if either side is NaN the result is NaN
    // (std::max drops it depending on argument order, std::fmax always).
    case BinaryOp::maximum:
      return run([](T a, T b) { return std::isnan(a) ? a : (std::isnan(b) || b > a ? b : a); });
    case BinaryOp::minimum:
      return run([](T a, T b) { return std::isnan(a) ? a : (std::isnan(b) || b < a ? b : a); });
    case BinaryOp::gt: return run([](T a, T b) { return a > b ? T(1) : T(0); });
    case BinaryOp::ge: return run([](T a, T b) { return a >= b ? T(1) : T(0); });
    case BinaryOp::lt: return run([](T a, T b) { return a < b ? T(1) : T(0); });
    case BinaryOp::le: return run([](T a, T b) { return a <= b ? T(1) : T(0); });
    case BinaryOp::eq: return run([](T a, T b) { return a == b ? T(1) : T(0); });
  }
  fail("binary", "unknown op " + std::to_string(static_cast<int>(op)));
}

// ---- broadcast iteration ------------------------------------------------------

void check_broadcast(const char* kernel, const BroadcastParams& p) {
  if (p.ndim < 0 || p.ndim > kMaxDims) {
    fail(kernel, "ndim " + std::to_string(p.ndim) + " outside [0, " + std::to_string(kMaxDims) + "]");
  }
  int64_t numel = 1;
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] < 0) {
      fail(kernel, "negative size " + std::to_string(p.shape[d]) + " at dim " + std::to_string(d));
    }
    numel *= p.shape[d];
  }
  if (numel != p.numel) {
    fail(kernel, "numel " + std::to_string(p.numel) + " does not match the shape's product " +
                     std::to_string(numel));
  }
}

// Simplifies the iteration space without changing which elements are visited:
// size-1 dims are dropped (their strides never matter) and dim d is merged into
// dim d+1 when every input's stride satisfies stride[d] == stride[d+1] * shape[d+1]
// (the output, being contiguous, always does). Returns at least one dim.
BroadcastParams coalesce(const BroadcastParams& p, int inputs) {
  BroadcastParams q;
  q.numel = p.numel;
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] == 1) continue;
    const bool merges = q.ndim > 0 && [&] {
      for (int i = 0; i < inputs; ++i) {
        if (q.stride[i][q.ndim - 1] != p.stride[i][d] * p.shape[d]) return false;
      }
      return true;
    }();
    if (merges) {
      q.shape[q.ndim - 1] *= p.shape[d];
      for (int i = 0; i < inputs; ++i) q.stride[i][q.ndim - 1] = p.stride[i][d];
    } else {
      q.shape[q.ndim] = p.shape[d];
      for (int i = 0; i < inputs; ++i) q.stride[i][q.ndim] = p.stride[i][d];
      ++q.ndim;
    }
  }
  if (q.ndim == 0) {  // a single element: one run of length 1
    q.ndim = 1;
    q.shape[0] = 1;
  }
  return q;
}

// Visits the output in parallel chunks; for every maximal stretch along the
// innermost dim calls run(len, offsets, out_begin) where offsets[i] is input
// i's element offset of the stretch's first element. Input i's stride along
// the stretch is q.stride[i][q.ndim - 1].
template <int N, class Run>
void for_each_run(const BroadcastParams& q, Run&& run) {
  const int last = q.ndim - 1;
  parallel_for(q.numel, kGrain, [&](int64_t begin, int64_t end) {
    // Unravel `begin` into a multi-index and the inputs' offsets.
    int64_t idx[kMaxDims] = {};
    int64_t off[N] = {};
    int64_t rem = begin;
    for (int d = last; d >= 0; --d) {
      idx[d] = rem % q.shape[d];
      rem /= q.shape[d];
      for (int i = 0; i < N; ++i) off[i] += idx[d] * q.stride[i][d];
    }
    int64_t pos = begin;
    while (pos < end) {
      const int64_t len = std::min(q.shape[last] - idx[last], end - pos);
      run(len, static_cast<const int64_t*>(off), pos);
      pos += len;
      // Advance the odometer by len along the last dim, carrying into outer dims.
      idx[last] += len;
      for (int i = 0; i < N; ++i) off[i] += len * q.stride[i][last];
      for (int d = last; d > 0 && idx[d] == q.shape[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
        for (int i = 0; i < N; ++i) off[i] += q.stride[i][d - 1] - q.shape[d] * q.stride[i][d];
      }
    }
  });
}

// One 1-D stretch of a binary op: out[j] = f(a[j * sa], b[j * sb]).
// Unit and zero strides get their own loops: they are the common cases
// (same shape, tensor-scalar) and the ones the compiler can vectorise.
template <class T, class F>
void binary_run(int64_t n, const T* a, int64_t sa, const T* b, int64_t sb, T* out, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], b[j]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (int64_t j = 0; j < n; ++j) out[j] = f(a[j], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t j = 0; j < n; ++j) out[j] = f(av, b[j]);
  } else {
    for (int64_t j = 0; j < n; ++j) out[j] = f(a[j * sa], b[j * sb]);
  }
}

}  // namespace

// ---- launchers -----------------------------------------------------------------

template <class T>
void unary(const UnaryParams& p, UnaryOp op, const T* x, T* y, Stream /*s*/) {
  if (p.n < 0) fail("unary", std::string(unary_op_name(op)) + ": negative n " + std::to_string(p.n));
  with_unary_op<T>(op, p.alpha, p.beta, [&](auto f) {
    parallel_for(p.n, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
    });
  });
}

template <class T>
void binary(const BroadcastParams& p, BinaryOp op, const T* a, const T* b, T* out, Stream /*s*/) {
  check_broadcast("binary", p);
  if (p.numel == 0) return;
  const BroadcastParams q = coalesce(p, 2);
  const int last = q.ndim - 1;
  const int64_t sa = q.stride[0][last];
  const int64_t sb = q.stride[1][last];
  with_binary_op<T>(op, [&](auto f) {
    for_each_run<2>(q, [&](int64_t len, const int64_t* off, int64_t pos) {
      binary_run(len, a + off[0], sa, b + off[1], sb, out + pos, f);
    });
  });
}

template <class T>
void where(const BroadcastParams& p, const T* cond, const T* a, const T* b, T* out, Stream /*s*/) {
  check_broadcast("where", p);
  if (p.numel == 0) return;
  const BroadcastParams q = coalesce(p, 3);
  const int last = q.ndim - 1;
  const int64_t sc = q.stride[0][last];
  const int64_t sa = q.stride[1][last];
  const int64_t sb = q.stride[2][last];
  for_each_run<3>(q, [&](int64_t len, const int64_t* off, int64_t pos) {
    const T* c = cond + off[0];
    const T* av = a + off[1];
    const T* bv = b + off[2];
    T* o = out + pos;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (int64_t j = 0; j < len; ++j) o[j] = c[j] != T(0) ? av[j] : bv[j];
    } else {
      for (int64_t j = 0; j < len; ++j) o[j] = c[j * sc] != T(0) ? av[j * sa] : bv[j * sb];
    }
  });
}

template <class T>
void fill(int64_t n, T value, T* out, Stream /*s*/) {
  if (n < 0) fail("fill", "negative n " + std::to_string(n));
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { std::fill(out + begin, out + end, value); });
}

template <class T>
void arange(int64_t n, double start, double step, T* out, Stream /*s*/) {
  if (n < 0) fail("arange", "negative n " + std::to_string(n));
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = cast_value<T>(start + static_cast<double>(i) * step);
  });
}

template <class From, class To>
void cast(int64_t n, const From* x, To* y, Stream /*s*/) {
  if (n < 0) fail("cast", "negative n " + std::to_string(n));
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = cast_value<To>(x[i]);
  });
}

#define GAN_INSTANTIATE_ELEMENTWISE(T)                                                        \
  template void unary<T>(const UnaryParams&, UnaryOp, const T*, T*, Stream);                  \
  template void binary<T>(const BroadcastParams&, BinaryOp, const T*, const T*, T*, Stream);  \
  template void where<T>(const BroadcastParams&, const T*, const T*, const T*, T*, Stream);   \
  template void fill<T>(int64_t, T, T*, Stream);
GAN_INSTANTIATE_ELEMENTWISE(float)
GAN_INSTANTIATE_ELEMENTWISE(double)
#undef GAN_INSTANTIATE_ELEMENTWISE
template void fill<int64_t>(int64_t, int64_t, int64_t*, Stream);  // counters (BatchNorm's num_batches_tracked)
template void arange<float>(int64_t, double, double, float*, Stream);
template void arange<double>(int64_t, double, double, double*, Stream);
template void arange<int64_t>(int64_t, double, double, int64_t*, Stream);

#define GAN_INSTANTIATE_CAST(From)                                     \
  template void cast<From, float>(int64_t, const From*, float*, Stream);   \
  template void cast<From, double>(int64_t, const From*, double*, Stream); \
  template void cast<From, int64_t>(int64_t, const From*, int64_t*, Stream);
GAN_INSTANTIATE_CAST(float)
GAN_INSTANTIATE_CAST(double)
GAN_INSTANTIATE_CAST(int64_t)
#undef GAN_INSTANTIATE_CAST

}  // namespace cpu
}  // namespace gan::kernels
